// Kubernetes side of placement: the pure decision (operator/placement) turned into writes — the
// new Cell if one is needed, then the cell label and the finalizer on the Tenant in one patch.
import { API_VERSION, CELL_PLURAL, GROUP, TENANT_PLURAL, VERSION, type Cell, type Tenant } from "../../api/v1alpha1/index.js";
import { cellTemplate } from "../../config.js";
import { Finalizers, Labels } from "../../names.js";
import { isConflict } from "../../runtime/kube.js";
import type { OperatorContext } from "../context.js";
import { dedicatedCellPolicy } from "./dedicated-cell-policy.js";

export type Placement = { cell: string } | { wait: { reason: string; message: string } };

/**
 * Two Tenants claiming one slug (the CRD cannot enforce uniqueness across objects): one already
 * placed (or reserved by this process) keeps it; between unplaced ones the oldest does (then the
 * lowest name: creation times have one-second resolution). The others wait with SlugTaken and are
 * never placed or provisioned: in one cell both would share the slug's tenant and its data.
 */
export function slugTaken(ctx: OperatorContext, tenant: Tenant): Placement | undefined {
  if (tenant.metadata.labels?.[Labels.cell]) return undefined;
  const placed = ctx.book.assignments();
  const mine = [tenant.metadata.creationTimestamp ?? "", tenant.metadata.name];
  for (const other of ctx.tenants.list()) {
    if (other.spec.slug !== tenant.spec.slug || other.metadata.name === tenant.metadata.name) continue;
    const theirs = [other.metadata.creationTimestamp ?? "", other.metadata.name];
    const older = theirs[0]! < mine[0]! || (theirs[0] === mine[0] && theirs[1]! < mine[1]!);
    if (placed.has(other.metadata.name) || older) {
      return { wait: { reason: "SlugTaken", message: `slug '${tenant.spec.slug}' belongs to Tenant ${other.metadata.name}` } };
    }
  }
  return undefined;
}

// Ensure the tenant has a cell: decided once, recorded on the Tenant, never re-decided while placed.
export async function ensurePlaced(ctx: OperatorContext, tenant: Tenant): Promise<Placement> {
  const labelled = tenant.metadata.labels?.[Labels.cell];
  const holdsData = tenant.metadata.finalizers?.includes(Finalizers.tenantData);
  if (labelled && holdsData) return { cell: labelled };
  // The label removed by hand (or by a replace-style apply) after placement: the data is in the
  // cell status names. Placing the tenant again would provision an empty tenant elsewhere and
  // route there; the label is written back instead.
  if (!labelled && holdsData && tenant.status?.cell) {
    const cell = tenant.status.cell;
    await ctx.kube.mergePatch(TENANT_PLURAL, tenant.metadata.name, { metadata: { resourceVersion: tenant.metadata.resourceVersion, labels: { [Labels.cell]: cell } } });
    ctx.record(tenant, "Warning", "PlacementRestored", `label ${Labels.cell} was removed; restored to ${cell}, where the tenant's data is`);
    return { cell };
  }
  const recorded = labelled;
  const request = { slug: tenant.spec.slug, isolation: tenant.spec.isolation, pinnedCell: recorded ?? tenant.spec.cell };
  const decision = ctx.book.reserve(tenant.metadata.name, request);
  if (decision.kind === "wait") return { wait: decision };
  try {
    if (decision.kind === "create") await createCell(ctx, decision.cell, decision.class, tenant);
    const finalizers = [...new Set([...(tenant.metadata.finalizers ?? []), Finalizers.tenantData])];
    await ctx.kube.mergePatch(TENANT_PLURAL, tenant.metadata.name, {
      metadata: { resourceVersion: tenant.metadata.resourceVersion, finalizers, labels: { [Labels.cell]: decision.cell } },
    });
  } catch (error) {
    ctx.book.release(tenant.metadata.name);
    throw error;
  }
  ctx.log.info({ tenant: tenant.metadata.name, cell: decision.cell }, "Placed Tenant");
  ctx.record(tenant, "Normal", "Placed", `placed in cell ${decision.cell}${decision.kind === "create" ? " (new cell)" : ""}`);
  return { cell: decision.cell };
}

/** Creates a cell from the operator's template; a dedicated cell belongs to its tenant (deleted with it). */
export async function createCell(ctx: OperatorContext, name: string, cellClass: Cell["spec"]["class"], tenant: Tenant): Promise<void> {
  const dedicated = cellClass === "dedicated";
  const policy = dedicated ? dedicatedCellPolicy(tenant) : "Retain";
  const body: Cell = {
    apiVersion: API_VERSION,
    kind: "Cell",
    metadata: {
      name,
      labels: { ...ctx.commonLabels },
      ...(dedicated ? { ownerReferences: [{ apiVersion: API_VERSION, kind: "Tenant", name: tenant.metadata.name, uid: tenant.metadata.uid!, blockOwnerDeletion: true }] } : {}),
    },
    spec: cellTemplate(ctx.config, cellClass, policy),
  };
  try {
    await ctx.kube.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: CELL_PLURAL, body });
    ctx.log.info({ cell: name, class: cellClass }, "Created Cell");
  } catch (error) {
    // Already there (created before a crash, or by hand): use it as it is, never overwrite its spec.
    if (!isConflict(error)) throw error;
  }
}
