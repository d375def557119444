// The invoice as a pure function of its inputs: same inputs, same invoice, to the đồng. Every
// component is computed per plan segment and prorated by the days the plan was held.
import { createHash } from "node:crypto";
import { formatVnd, mulDivRound } from "./money.js";
import { periodDate, type Period } from "./period.js";
import type { PlanCatalog } from "./plans.js";
import type { Segment } from "./segments.js";
import { vatRateOn, type VatConfig } from "./vat.js";

export interface SegmentUsage {
  orders: number;
  gmvVnd: bigint;
  /** Highest reading inside the segment, if one was taken. */
  maxActiveLocations?: number;
  maxStaffSeats?: number;
}

export interface InvoiceInputs {
  tenantSlug: string;
  period: Period;
  segments: readonly Segment[];
  /** One entry per segment, same order. */
  usage: readonly SegmentUsage[];
  /** Last readings before the period: what a segment without its own reading carries forward. */
  carried: { activeLocations?: number; staffSeats?: number };
  plans: PlanCatalog;
  vat: VatConfig;
}

export type LineCode = "locations" | "orders" | "gmv" | "seats";

export interface InvoiceLine {
  code: LineCode;
  plan: string;
  from: string;
  to: string;
  description: string;
  quantity: string;
  unitPriceVnd: string;
  amountVnd: string;
}

export interface ComputedInvoice {
  tenantSlug: string;
  period: string;
  lines: InvoiceLine[];
  subtotalVnd: bigint;
  vatRateBasisPoints: number;
  vatLegalBasis?: string;
  vatVnd: bigint;
  totalVnd: bigint;
  contentHash: string;
}

export class UnknownPlanError extends Error {
  constructor(readonly plan: string, readonly known: string[]) {
    super(`plan '${plan}' is not in the catalogue (known: ${known.join(", ")})`);
    this.name = "UnknownPlanError";
  }
}

export function computeInvoice(inputs: InvoiceInputs): ComputedInvoice {
  const { period } = inputs;
  const n = BigInt(period.daysInMonth);
  const lines: InvoiceLine[] = [];
  // A tenant always has at least one location to pay for; seats default to none beyond the owner.
  let locations = inputs.carried.activeLocations ?? 1;
  let seats = inputs.carried.staffSeats ?? 0;

  inputs.segments.forEach((segment, i) => {
    const plan = inputs.plans.get(segment.plan);
    if (!plan) throw new UnknownPlanError(segment.plan, [...inputs.plans.keys()]);
    const usage = inputs.usage[i] ?? { orders: 0, gmvVnd: 0n };
    locations = Math.max(1, usage.maxActiveLocations ?? locations);
    seats = usage.maxStaffSeats ?? seats;
    const days = BigInt(segment.days);
    const span = segment.days === period.daysInMonth ? "cả tháng" : `${segment.days}/${period.daysInMonth} ngày`;
    const base = { plan: plan.id, from: segment.from, to: segment.to };

    lines.push({
      ...base,
      code: "locations",
      description: `Gói ${plan.name}: phí địa điểm (${locations} × ${formatVnd(BigInt(plan.locationMonthlyVnd))}/tháng, ${span})`,
      quantity: String(locations),
      unitPriceVnd: String(plan.locationMonthlyVnd),
      amountVnd: mulDivRound(BigInt(locations) * BigInt(plan.locationMonthlyVnd), days, n).toString(),
    });

    const included = mulDivRound(BigInt(plan.includedOrders), days, n);
    const extra = BigInt(usage.orders) > included ? BigInt(usage.orders) - included : 0n;
    lines.push({
      ...base,
      code: "orders",
      description: `Gói ${plan.name}: đơn hàng vượt mức (${usage.orders} đơn, miễn phí ${included})`,
      quantity: extra.toString(),
      unitPriceVnd: String(plan.extraOrderVnd),
      amountVnd: (extra * BigInt(plan.extraOrderVnd)).toString(),
    });

    if (plan.gmvFeeBasisPoints > 0) {
      lines.push({
        ...base,
        code: "gmv",
        description: `Gói ${plan.name}: phí ${plan.gmvFeeBasisPoints / 100}% doanh số (${formatVnd(usage.gmvVnd)})`,
        quantity: usage.gmvVnd.toString(),
        unitPriceVnd: "0",
        amountVnd: mulDivRound(usage.gmvVnd, BigInt(plan.gmvFeeBasisPoints), 10_000n).toString(),
      });
    }

    const extraSeats = Math.max(0, seats - plan.includedStaffSeats);
    if (extraSeats > 0) {
      lines.push({
        ...base,
        code: "seats",
        description: `Gói ${plan.name}: tài khoản nhân viên vượt mức (${extraSeats} × ${formatVnd(BigInt(plan.extraSeatMonthlyVnd))}/tháng, ${span})`,
        quantity: String(extraSeats),
        unitPriceVnd: String(plan.extraSeatMonthlyVnd),
        amountVnd: mulDivRound(BigInt(extraSeats) * BigInt(plan.extraSeatMonthlyVnd), days, n).toString(),
      });
    }
  });

  const subtotalVnd = lines.reduce((sum, l) => sum + BigInt(l.amountVnd), 0n);
  // The tax point of a monthly service is the end of the month it was supplied in.
  const vat = vatRateOn(inputs.vat, periodDate(period, period.daysInMonth));
  const vatVnd = mulDivRound(subtotalVnd, BigInt(vat.rateBasisPoints), 10_000n);
  const totalVnd = subtotalVnd + vatVnd;
  const contentHash = createHash("sha256")
    .update(JSON.stringify({ tenant: inputs.tenantSlug, period: period.id, lines, subtotal: subtotalVnd.toString(), vat: vat.rateBasisPoints, vatVnd: vatVnd.toString() }))
    .digest("hex");
  return {
    tenantSlug: inputs.tenantSlug,
    period: period.id,
    lines,
    subtotalVnd,
    vatRateBasisPoints: vat.rateBasisPoints,
    ...(vat.legalBasis ? { vatLegalBasis: vat.legalBasis } : {}),
    vatVnd,
    totalVnd,
    contentHash,
  };
}
