// `lsp rebalance cell <name>`: relieve a hot shared cell by moving some of its tenants to other
// shared cells. It only decides and sets each chosen Tenant's spec.cell; the operator's move
// controller then moves them (copy, catch-up, a short hold, switch), as for a hand-made change.
import * as k8s from "@kubernetes/client-node";
import { Command } from "commander";
import { CellCondition, type Cell, type Tenant } from "../operator/api/v1alpha1/index.js";
import { isTrue } from "../operator/status.js";
import type { Output } from "./commands.js";
import type { Target } from "./target.js";

const GROUP = "localstoreplatform.com";
const VERSION = "v1alpha1";
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

export interface RebalanceOptions {
  /** Move every chosen tenant to this cell instead of the emptiest shared cells. */
  to?: string;
  /** At most this many tenants (default 1). */
  max: number;
  dryRun: boolean;
}

export interface PlannedMove {
  tenant: string;
  locations: number;
  plan: Tenant["spec"]["plan"];
  from: string;
  to: string;
}

export class RebalanceError extends Error {}

const PLAN_WEIGHT: Record<Tenant["spec"]["plan"], number> = { chain: 2, growth: 1, starter: 0 };
const MOVING: readonly string[] = ["Pending", "Copying", "CatchingUp", "Holding", "Verifying", "Switched", "CleaningUp"];

/** Where the tenant is or is about to be: a pending spec.cell counts against its new cell already. */
const destinationOf = (t: Tenant) => t.spec.cell ?? t.status?.cell;
// Ready: the cell serves. A cell short of replicas (Available False: a pod lost, a rollout under
// way) takes no tenants now; the local platform's cells set no Available condition.
const isReady = (c: Cell) =>
  isTrue(c.status?.conditions, CellCondition.Ready) && !c.status?.conditions?.some((x) => x.type === CellCondition.Available && x.status === "False");

/**
 * Which tenants leave `cellName`, and where to. Biggest first (most locations, then the richer
 * plan, then by name): each move sheds the most load, so a hot cell cools with the fewest moves;
 * the hold a tenant sees does not grow with its size. Only shared tenants served by the cell and
 * not already moving are candidates; each goes to the Ready shared cell with the most free room
 * (ties: by name), counting the moves planned before it. Pure: tested without a cluster.
 */
export function planRebalance(cellName: string, cells: readonly Cell[], tenants: readonly Tenant[], options: Pick<RebalanceOptions, "to" | "max">): PlannedMove[] {
  if (!Number.isInteger(options.max) || options.max < 1) throw new RebalanceError(`--max: expected a positive whole number, got ${options.max}`);
  const source = cells.find((c) => c.metadata.name === cellName);
  if (!source) throw new RebalanceError(`cell "${cellName}" not found`);
  if (source.spec.class !== "shared") throw new RebalanceError(`cell "${cellName}" is ${source.spec.class}: only shared cells are rebalanced (a dedicated cell has one tenant)`);
  const occupancy = new Map<string, number>();
  for (const t of tenants) {
    const cell = destinationOf(t);
    if (cell) occupancy.set(cell, (occupancy.get(cell) ?? 0) + 1);
  }
  const targets = cells.filter((c) => c.metadata.name !== cellName && c.spec.class === "shared" && !c.metadata.deletionTimestamp && isReady(c));
  if (options.to !== undefined) {
    const named = cells.find((c) => c.metadata.name === options.to);
    if (!named) throw new RebalanceError(`--to: cell "${options.to}" not found`);
    if (options.to === cellName) throw new RebalanceError(`--to: "${options.to}" is the cell being rebalanced`);
    if (!targets.includes(named)) throw new RebalanceError(`--to: cell "${options.to}" cannot take tenants (it must be a Ready shared cell, not being deleted)`);
  }
  const candidates = tenants
    .filter((t) => t.status?.cell === cellName && t.spec.isolation === "shared" && destinationOf(t) === cellName && !MOVING.includes(t.status?.move?.phase ?? "Done"))
    .sort((a, b) => (b.spec.locations?.length ?? 0) - (a.spec.locations?.length ?? 0) || PLAN_WEIGHT[b.spec.plan] - PLAN_WEIGHT[a.spec.plan] || a.metadata.name.localeCompare(b.metadata.name));
  const free = (c: Cell) => c.spec.capacity - (occupancy.get(c.metadata.name) ?? 0);
  const moves: PlannedMove[] = [];
  for (const tenant of candidates.slice(0, options.max)) {
    const pool = options.to !== undefined ? targets.filter((c) => c.metadata.name === options.to) : targets;
    const best = pool.filter((c) => free(c) > 0).sort((a, b) => free(b) - free(a) || a.metadata.name.localeCompare(b.metadata.name))[0];
    if (!best) break;
    occupancy.set(best.metadata.name, (occupancy.get(best.metadata.name) ?? 0) + 1);
    moves.push({ tenant: tenant.metadata.name, locations: tenant.spec.locations?.length ?? 0, plan: tenant.spec.plan, from: cellName, to: best.metadata.name });
  }
  if (moves.length === 0 && candidates.length > 0) {
    throw new RebalanceError(`no ${options.to ? `room in cell "${options.to}"` : "other Ready shared cell has room"} for tenants of "${cellName}": add a shared cell (lsp apply -f cell.yaml) or raise a cell's capacity`);
  }
  return moves;
}

/** Reads the cells and tenants, plans, prints the plan, and (unless a dry run) sets spec.cell on each chosen Tenant. */
export async function rebalance(target: Target, cellName: string, options: RebalanceOptions, io: Output): Promise<boolean> {
  const [cells, tenants] = await Promise.all([list<Cell>(target, "cells"), list<Tenant>(target, "tenants")]);
  const moves = planRebalance(cellName, cells, tenants, options);
  if (moves.length === 0) {
    io.out(`cell "${cellName}": no tenant to move (none served there that is shared and not already moving)`);
    return true;
  }
  io.out(renderPlan(moves));
  if (options.dryRun) {
    io.out(`dry run: ${moves.length} tenant(s) would move; nothing changed`);
    return true;
  }
  let ok = true;
  for (const move of moves) {
    const current = tenants.find((t) => t.metadata.name === move.tenant)!;
    try {
      // resourceVersion: a Tenant changed since it was read (by a person or another rebalance) is left alone.
      await target.api.patchClusterCustomObject(
        { group: GROUP, version: VERSION, plural: "tenants", name: move.tenant, body: { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { cell: move.to } } },
        merge,
      );
      io.out(`tenant.${GROUP}/${move.tenant} moving to ${move.to}`);
    } catch (error) {
      const e = error as { code?: number; message?: string };
      io.err(`tenant.${GROUP}/${move.tenant}: not moved (${e.code === 409 ? "changed since it was read; run the command again" : (e.message ?? String(error))})`);
      ok = false;
    }
  }
  io.out(`follow the moves with: lsp get tenants -o wide   (status.move shows each phase)`);
  return ok;
}

function renderPlan(moves: readonly PlannedMove[]): string {
  const rows = [["TENANT", "LOCATIONS", "PLAN", "FROM", "TO"], ...moves.map((m) => [m.tenant, String(m.locations), m.plan, m.from, m.to])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((v, i) => v.padEnd(widths[i]! + 3)).join("").trimEnd()).join("\n");
}

async function list<T>(target: Target, plural: "cells" | "tenants"): Promise<T[]> {
  return ((await target.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as { items: T[] }).items;
}

/** The `rebalance` subcommand, registered by main.ts. */
export function rebalanceCommand(target: () => Target, io: Output): Command {
  return new Command("rebalance")
    .description("move tenants off a hot shared cell: picks the biggest (most locations, then plan), sets their spec.cell and prints the plan; the operator does the moves")
    .argument("<kind>", "cell")
    .argument("<name>", "the shared cell to relieve")
    .option("--to <cell>", "move them to this shared cell (default: per tenant, the Ready shared cell with the most free room)")
    .option("--max <n>", "move at most this many tenants", (v) => Number(v), 1)
    .option("--dry-run", "print the plan without changing anything")
    .addHelpText("after", "\nExamples:\n  lsp rebalance cell shared-3 --dry-run\n  lsp rebalance cell shared-3 --max 2 --to shared-7\n")
    .action(async (kind: string, name: string, o: { to?: string; max: number; dryRun?: boolean }) => {
      try {
        if (!["cell", "cells"].includes(kind)) throw new RebalanceError(`rebalance takes "cell <name>", got "${kind}"`);
        if (!(await rebalance(target(), name, { ...(o.to ? { to: o.to } : {}), max: o.max, dryRun: o.dryRun === true }, io))) process.exitCode = 1;
      } catch (error) {
        if (!(error instanceof RebalanceError)) throw error;
        io.err(`error: ${error.message}`);
        process.exitCode = 1;
      }
    });
}
