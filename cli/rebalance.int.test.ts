import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { API_VERSION, GROUP, VERSION, type Cell, type Tenant } from "../operator/api/v1alpha1/index.js";
import { Labels } from "../operator/names.js";
import { installCrds, tenantManifest, testKube, uniqueInstance } from "../operator/testing/harness.js";
import type { Output } from "./commands.js";
import { rebalance } from "./rebalance.js";
import { resolveTarget } from "./target.js";

// Against a real apiserver, without an operator: the command's job ends at spec.cell (the move
// controller's tests cover the moves themselves).

const kube = testKube();
const instance = uniqueInstance("rb");
const hot = `${instance}-hot`;
const cool = `${instance}-cool`;
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const ready = [{ type: "Ready", status: "True", reason: "Ready", message: "", lastTransitionTime: new Date().toISOString() }];

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(...l.split("\n")), err: (l) => errors.push(l) };
}

async function createCell(name: string, capacity: number): Promise<void> {
  const body: Cell = {
    apiVersion: API_VERSION,
    kind: "Cell",
    metadata: { name, labels: { [Labels.instance]: instance } },
    spec: { class: "shared", capacity, version: "0.1.0", api: { replicas: 1 }, ml: { replicas: 1 }, redis: { enabled: false }, deletionPolicy: "Retain" },
  };
  await kube.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: "cells", body });
  await kube.custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: "cells", name, body: { status: { conditions: ready } } }, merge);
}

async function createTenant(name: string, cell: string, locations: number): Promise<void> {
  const manifest = tenantManifest(instance, name, { plan: "chain", locations: Array.from({ length: locations }, (_, i) => ({ name: `Chi nhánh ${i + 1}` })) });
  await kube.custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", body: manifest });
  await kube.custom.patchClusterCustomObjectStatus({ group: GROUP, version: VERSION, plural: "tenants", name, body: { status: { cell } } }, merge);
}

const specCell = async (name: string) => ((await kube.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name })) as Tenant).spec.cell;

beforeAll(async () => {
  await installCrds(kube);
  await createCell(hot, 10);
  await createCell(cool, 10);
  await createTenant(`${instance}-one`, hot, 1);
  await createTenant(`${instance}-four`, hot, 4);
  await createTenant(`${instance}-two`, hot, 2);
}, 60_000);

afterAll(async () => {
  for (const [plural, name] of [["tenants", `${instance}-one`], ["tenants", `${instance}-four`], ["tenants", `${instance}-two`], ["cells", hot], ["cells", cool]] as const) {
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).catch(() => {});
  }
});

describe("Given a hot shared cell in a cluster reached through a kubeconfig", () => {
  const target = resolveTarget({ kubeconfig: process.env.KUBECONFIG });

  it("prints the plan and changes nothing on a dry run", async () => {
    const io = capture();
    expect(await rebalance(target, hot, { to: cool, max: 2, dryRun: true }, io)).toBe(true);
    expect(io.lines[0]).toMatch(/^TENANT\s+LOCATIONS\s+PLAN\s+FROM\s+TO$/);
    expect(io.lines[1]).toMatch(new RegExp(`^${instance}-four\\s+4\\s+chain\\s+${hot}\\s+${cool}$`));
    expect(io.lines[2]).toMatch(new RegExp(`^${instance}-two\\s+2\\s+`));
    expect(io.lines.at(-1)).toMatch(/dry run: 2 tenant\(s\) would move; nothing changed/);
    expect(await specCell(`${instance}-four`)).toBeUndefined();
  });

  it("sets spec.cell on the biggest tenants, leaves the rest, and does not pick a tenant already on its way twice", async () => {
    const io = capture();
    expect(await rebalance(target, hot, { to: cool, max: 2, dryRun: false }, io)).toBe(true);
    expect(io.errors).toEqual([]);
    expect(await specCell(`${instance}-four`)).toBe(cool);
    expect(await specCell(`${instance}-two`)).toBe(cool);
    expect(await specCell(`${instance}-one`)).toBeUndefined();
    // Run again: the two already on their way are not candidates any more.
    const again = capture();
    expect(await rebalance(target, hot, { to: cool, max: 2, dryRun: true }, again)).toBe(true);
    expect(again.lines.filter((l) => l.startsWith(instance))).toEqual([expect.stringMatching(new RegExp(`^${instance}-one\\s`))]);
  });

  it("refuses a cell that does not exist, naming it", async () => {
    await expect(rebalance(target, `${instance}-ghost`, { max: 1, dryRun: true }, capture())).rejects.toThrow(`cell "${instance}-ghost" not found`);
  });
});
