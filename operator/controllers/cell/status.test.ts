import { describe, expect, it } from "@jest/globals";
import type * as k8s from "@kubernetes/client-node";
import type { Cell, Tenant } from "../../api/v1alpha1/index.js";
import { Labels } from "../../names.js";
import { PlacementBook } from "../../placement/book.js";
import { isCellReady, type OperatorContext } from "../context.js";
import { desiredTenantStatus } from "../tenant/status.js";
import { desiredCellStatus, type CellObservation } from "./status.js";

const UID = "cell-uid";
const cell = (status?: Cell["status"], version = "0.2.0"): Cell => ({
  apiVersion: "localstoreplatform.com/v1alpha1",
  kind: "Cell",
  metadata: { name: "shared-1", uid: UID, generation: 2 },
  spec: { class: "shared", capacity: 10, version, api: { replicas: 2 }, ml: { replicas: 1 }, redis: { enabled: true }, deletionPolicy: "Retain" },
  ...(status ? { status } : {}),
});

interface Shape {
  replicas: number;
  available: number;
  updated?: number;
  version?: string;
  stalled?: boolean;
}

function deployment(name: string, s: Shape): k8s.V1Deployment {
  const image = name === "redis" ? "redis:8.2-alpine" : `lsp/${name}:${s.version ?? "0.2.0"}`;
  return {
    metadata: { name, labels: { [Labels.cell]: "shared-1" }, generation: 4, ownerReferences: [{ apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", name: "shared-1", uid: UID, controller: true }] },
    spec: { replicas: s.replicas, selector: {}, template: { spec: { containers: [{ name, image }] } } },
    status: {
      observedGeneration: 4,
      availableReplicas: s.available,
      updatedReplicas: s.updated ?? s.available,
      ...(s.stalled ? { conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "" }] } : {}),
    },
  };
}

function context(shapes: Partial<Record<"cell-api" | "cell-ml" | "redis", Shape>>): OperatorContext {
  const cache = new Map(Object.entries(shapes).map(([name, s]) => [name, deployment(name, s)]));
  return {
    deployments: { get: (name: string) => cache.get(name) },
    book: new PlacementBook(() => ({ cells: [], assignments: new Map() }), { sharedCellPrefix: "shared", sharedCellCapacity: 10 }),
    config: { domain: "localstoreplatform.com" },
  } as unknown as OperatorContext;
}

const whole = { "cell-api": { replicas: 2, available: 2 }, "cell-ml": { replicas: 1, available: 1 }, redis: { replicas: 1, available: 1 } };
const databaseReady: CellObservation = { database: { ready: true } };
const conditions = (status: Cell["status"]) => Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));

/** The status a reconcile writes, then the one after it (conditions such as Ready read the previous status). */
function settle(ctx: OperatorContext, observed: CellObservation, previous?: Cell["status"]): Cell {
  const first = desiredCellStatus(ctx, cell(previous), observed);
  return cell(desiredCellStatus(ctx, cell(first), observed));
}

const tenant = { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Tenant", metadata: { name: "pho-bo", generation: 1 }, spec: { slug: "pho-bo" } } as unknown as Tenant;
const routeOf = (ctx: OperatorContext, c: Cell) => desiredTenantStatus(ctx, tenant, { placement: { cell: "shared-1" }, cell: c, provisioning: { done: true, tenantId: "t1" } }).endpoint;

describe("Given a cell with every component whole", () => {
  it("is Ready and Available, not Progressing, runs its version, and routes its tenants", () => {
    const ctx = context(whole);
    const c = settle(ctx, databaseReady);
    expect(conditions(c.status)).toMatchObject({ Ready: "True Serving", Available: "True ComponentsAvailable", Progressing: "False RolloutComplete", ApiReady: "True ApiAvailable" });
    expect(c.status?.version).toBe("0.2.0");
    expect(routeOf(ctx, c)).toBe("http://cell-api.cell-shared-1.svc.cluster.local:8080");
  });
});

describe("Given a serving cell that loses part of itself", () => {
  const serving = settle(context(whole), databaseReady).status;

  it.each([
    ["one of two API pods evicted (a node drain)", { ...whole, "cell-api": { replicas: 2, available: 1 } }],
    ["its only ML pod restarting", { ...whole, "cell-ml": { replicas: 1, available: 0 } }],
    ["its Redis restarting", { ...whole, redis: { replicas: 1, available: 0 } }],
    ["all of that at once", { "cell-api": { replicas: 2, available: 1 }, "cell-ml": { replicas: 1, available: 0 }, redis: { replicas: 1, available: 0 } }],
  ])("stays Ready (its tenants keep their route) and turns Available False: %s", (_what, shapes) => {
    const ctx = context(shapes);
    const c = settle(ctx, databaseReady, serving);
    expect(isCellReady(c)).toBe(true);
    expect(conditions(c.status).Available).toBe("False ComponentsUnavailable");
    expect(routeOf(ctx, c)).toBeDefined();
  });

  it("stays Ready through a version rollout (the previous pods serve), Progressing until it finished; the version moves at the end", () => {
    // spec.version 0.2.0 applied; the cache shows the rollout half done.
    const ctx = context({ "cell-api": { replicas: 2, available: 2, updated: 1 }, "cell-ml": { replicas: 1, available: 1, updated: 0 }, redis: { replicas: 1, available: 1 } });
    const c = settle(ctx, databaseReady, { ...serving, version: "0.1.0" });
    expect(conditions(c.status)).toMatchObject({ Ready: "True Serving", Available: "True ComponentsAvailable", Progressing: "True RollingOut", ApiReady: "False ApiAvailablePending" });
    expect(c.status?.version).toBe("0.1.0");
    expect(routeOf(ctx, c)).toBeDefined();
  });

  it("stays Ready on a bad image tag that never starts, reporting the stalled rollout for ops to alert on", () => {
    const ctx = context({ "cell-api": { replicas: 2, available: 2, updated: 1, stalled: true }, "cell-ml": { replicas: 1, available: 1 }, redis: { replicas: 1, available: 1 } });
    const c = settle(ctx, databaseReady, serving);
    expect(conditions(c.status)).toMatchObject({ Ready: "True Serving", Progressing: "False ProgressDeadlineExceeded" });
    expect(routeOf(ctx, c)).toBeDefined();
  });

  it("stays Ready when a re-check of its database fails (the API pods report their own database access), not Available", () => {
    const c = settle(context(whole), { database: { ready: false, message: "migration 7 failed" } }, serving);
    expect(conditions(c.status)).toMatchObject({ Ready: "True Serving", Available: "False ComponentsUnavailable", DatabaseReady: "False SchemaMigratedPending" });
  });

  it("stops being Ready once no API replica is available, or the API is scaled to 0: its tenants lose their route", () => {
    for (const api of [{ replicas: 2, available: 0 }, { replicas: 0, available: 0 }]) {
      const ctx = context({ ...whole, "cell-api": api });
      const c = settle(ctx, databaseReady, serving);
      expect(conditions(c.status).Ready).toBe("False ApiUnavailable");
      expect(routeOf(ctx, c)).toBeUndefined();
    }
  });
});

describe("Given a new cell", () => {
  it("is not Ready, and routes no tenant, before its API has an available replica", () => {
    for (const shapes of [{}, { ...whole, "cell-api": { replicas: 2, available: 0 } }]) {
      const ctx = context(shapes);
      const c = settle(ctx, databaseReady);
      expect(isCellReady(c)).toBe(false);
      expect(routeOf(ctx, c)).toBeUndefined();
    }
  });

  it("is not Ready before its database was provisioned, even with the API available", () => {
    const ctx = context(whole);
    const c = settle(ctx, { database: { ready: false, message: "connection refused" } });
    expect(conditions(c.status).Ready).toBe("False DatabaseNotReady");
    expect(routeOf(ctx, c)).toBeUndefined();
  });

  it("becomes Ready with one API replica available while the rest still start", () => {
    const ctx = context({ "cell-api": { replicas: 2, available: 1 }, "cell-ml": { replicas: 1, available: 0 } });
    const c = settle(ctx, databaseReady);
    expect(conditions(c.status)).toMatchObject({ Ready: "True Serving", Available: "False ComponentsUnavailable" });
  });

  it("is not Ready on another Cell's Deployments left in a namespace of the same name, nor when the namespace is not its own", () => {
    const ctx = context(whole);
    const foreign = { ...cell(), metadata: { ...cell().metadata, uid: "another" } };
    expect(isCellReady({ ...foreign, status: desiredCellStatus(ctx, foreign, databaseReady) })).toBe(false);
    const c = settle(ctx, { ...databaseReady, namespace: { ready: false, reason: "NamespaceConflict", message: "namespace cell-shared-1 belongs to Cell x" } });
    expect(conditions(c.status).Ready).toBe("False NamespaceConflict");
  });
});
