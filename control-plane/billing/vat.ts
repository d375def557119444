// VAT on LSP's software service. 10% is the standard rate (Law on VAT); Vietnam has cut the
// standard rate to 8% for limited periods by decree, but those cuts list exclusions (IT
// services among them in the decrees so far), so whether a cut applies is a configuration
// decision for finance, never a code change: add the period to `reducedPeriods` when it does.
import { z } from "zod";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");

export const VatConfigSchema = z.object({
  /** Basis points: 1000 = 10%. */
  standardRateBasisPoints: z.number().int().min(0).max(10_000),
  reducedPeriods: z
    .array(z.object({ from: isoDate, to: isoDate, rateBasisPoints: z.number().int().min(0).max(10_000), legalBasis: z.string().min(1) }).refine((p) => p.from <= p.to, { message: "from must not be after to", path: ["to"] }))
    .default([]),
});
export type VatConfig = z.infer<typeof VatConfigSchema>;

export const DEFAULT_VAT: VatConfig = { standardRateBasisPoints: 1_000, reducedPeriods: [] };

/**
 * The 8% reductions decreed so far, for finance to opt into where they apply to the service sold.
 * Not applied by default: each decree excludes information-technology services.
 */
export const VIETNAM_REDUCED_VAT_PERIODS: VatConfig["reducedPeriods"] = [
  { from: "2022-02-01", to: "2022-12-31", rateBasisPoints: 800, legalBasis: "Decree 15/2022/ND-CP" },
  { from: "2023-07-01", to: "2023-12-31", rateBasisPoints: 800, legalBasis: "Decree 44/2023/ND-CP" },
  { from: "2024-01-01", to: "2024-06-30", rateBasisPoints: 800, legalBasis: "Decree 94/2023/ND-CP" },
  { from: "2024-07-01", to: "2024-12-31", rateBasisPoints: 800, legalBasis: "Decree 72/2024/ND-CP" },
  { from: "2025-01-01", to: "2025-06-30", rateBasisPoints: 800, legalBasis: "Decree 180/2024/ND-CP" },
  { from: "2025-07-01", to: "2026-12-31", rateBasisPoints: 800, legalBasis: "Resolution 204/2025/QH15, Decree 174/2025/ND-CP" },
];

export function vatConfig(input: unknown = DEFAULT_VAT): VatConfig {
  const parsed = VatConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`vat.${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** The rate for a service supplied on `date` (YYYY-MM-DD): a reduced period covering it, else standard. */
export function vatRateOn(config: VatConfig, date: string): { rateBasisPoints: number; legalBasis?: string } {
  const reduced = config.reducedPeriods.find((p) => p.from <= date && date <= p.to);
  return reduced ? { rateBasisPoints: reduced.rateBasisPoints, legalBasis: reduced.legalBasis } : { rateBasisPoints: config.standardRateBasisPoints };
}
