// The tenant inside its cell's database (tenant row, owner, locations), through the cell's
// provisioning contract. Re-run when the spec changed; idempotent by slug.
import { TenantCondition, type Cell, type Tenant } from "../../api/v1alpha1/index.js";
import { DEFAULT_TIMEZONE, InvalidTenantProvisioningError } from "../../../cell/provisioning/index.js";
import { isTrue } from "../../status.js";
import type { OperatorContext } from "../context.js";

/** uid → generation and cell provisioned in this process, so requeues before the status write skip the database. */
const provisioned = new Map<string, { generation: number | undefined; cell: string; tenantId: string }>();

export function forgetProvisioned(uid: string | undefined): void {
  if (uid) provisioned.delete(uid);
}

export type Provisioning = { done: true; tenantId: string } | { done: false; reason: string; message: string };

export async function ensureProvisioned(ctx: OperatorContext, tenant: Tenant, cellName: string, cell: Cell | undefined): Promise<Provisioning> {
  const status = tenant.status;
  const current = status?.cell === cellName && status.tenantId && tenant.status?.conditions?.some((c) => c.type === TenantCondition.Provisioned && c.status === "True" && c.observedGeneration === tenant.metadata.generation);
  if (current) return { done: true, tenantId: status!.tenantId! };
  const remembered = provisioned.get(tenant.metadata.uid ?? "");
  if (remembered && remembered.generation === tenant.metadata.generation && remembered.cell === cellName) return { done: true, tenantId: remembered.tenantId };
  if (!cell || !isTrue(cell.status?.conditions, "DatabaseReady")) {
    return { done: false, reason: "WaitingForCellDatabase", message: `cell ${cellName} has no database yet` };
  }
  const { spec } = tenant;
  let tenantId: string;
  try {
    ({ tenantId } = await ctx.db.provisionTenant(cellName, {
      slug: spec.slug,
      displayName: spec.displayName,
      plan: spec.plan,
      owner: { phone: spec.owner.phone, name: spec.owner.name },
      // The default zone is left to the contract, which fills it in itself (older ICU builds list
      // it only under its CLDR name Asia/Saigon, which a zone check could trip over).
      locations: (spec.locations ?? []).map((l) => ({ name: l.name, ...(l.timezone && l.timezone !== DEFAULT_TIMEZONE ? { timezone: l.timezone } : {}) })),
    }));
  } catch (error) {
    // A spec the cell refuses stays refused until the spec changes: report it, do not retry.
    if (error instanceof InvalidTenantProvisioningError) {
      ctx.record(tenant, "Warning", "InvalidTenant", error.message);
      return { done: false, reason: "InvalidTenant", message: error.message };
    }
    throw error;
  }
  if (tenant.metadata.uid) provisioned.set(tenant.metadata.uid, { generation: tenant.metadata.generation, cell: cellName, tenantId });
  return { done: true, tenantId };
}
