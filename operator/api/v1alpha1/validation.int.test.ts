import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { applyTenant, installCrds, tenantManifest, testKube, uniqueInstance, type TestKube } from "../../testing/harness.js";
import { API_VERSION, GROUP, VERSION } from "./index.js";

const apply = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply);

/** Asks the apiserver to validate without storing; resolves with its error message, or "" if accepted. */
async function dryRun(kube: TestKube, plural: string, body: { metadata: { name: string }; spec?: unknown }): Promise<string> {
  try {
    await kube.custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural, name: body.metadata.name, body, fieldManager: "lsp-tests", force: true, dryRun: "All" }, apply);
    return "";
  } catch (error) {
    if (!(error instanceof k8s.ApiException)) throw error;
    return (JSON.parse(error.body as string) as { message: string }).message;
  }
}

describe("Given the Tenant and Cell CRDs installed in a real apiserver", () => {
  const kube = testKube();
  const instance = uniqueInstance("v");
  const tenant = (spec: object) => ({ ...tenantManifest(instance, `${instance}-x`), spec: { ...tenantManifest(instance, `${instance}-x`).spec, ...spec } });
  const cell = (spec: object) => ({ apiVersion: API_VERSION, kind: "Cell", metadata: { name: `${instance}-cell` }, spec: { class: "shared", capacity: 10, version: "0.1.0", ...spec } });

  beforeAll(() => installCrds(kube), 60_000);
  afterAll(async () => {
    await kube.custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: "tenants", name: `${instance}-kept` }).catch(() => {});
  });

  it("accepts the examples' kind of tenant and fills defaults", async () => {
    expect(await dryRun(kube, "tenants", tenant({}))).toBe("");
  });

  it.each([
    ["a reserved slug", { slug: "admin" }, /spec\.slug.*reserved word/],
    ["a slug that is not a DNS label", { slug: "Pho_Bo" }, /spec\.slug.*should match/],
    ["a phone not in E.164", { owner: { phone: "0901234567", name: "An" } }, /spec\.owner\.phone/],
    ["an unknown plan", { plan: "gold" }, /spec\.plan.*Unsupported value: "gold"/],
    ["dedicated isolation on a non-chain plan", { isolation: "dedicated", plan: "starter" }, /spec\.isolation.*requires plan 'chain'/],
    ["two locations with the same name", { locations: [{ name: "Q1" }, { name: "Q1" }] }, /spec\.locations.*duplicate entries/],
    ["an empty display name", { displayName: "" }, /spec\.displayName/],
  ])("refuses a tenant with %s, naming the field", async (_what, spec, message) => {
    expect(await dryRun(kube, "tenants", tenant(spec))).toMatch(message);
  });

  it.each([
    ["a dedicated cell with capacity above 1", { class: "dedicated", capacity: 5 }, /spec\.capacity.*dedicated cell has capacity 1/],
    ["capacity 0", { capacity: 0 }, /spec\.capacity/],
    ["an image tag with a slash", { version: "a/b" }, /spec\.version/],
    ["an unknown deletion policy", { deletionPolicy: "Orphan" }, /spec\.deletionPolicy/],
  ])("refuses a cell with %s, naming the field", async (_what, spec, message) => {
    expect(await dryRun(kube, "cells", cell(spec))).toMatch(message);
  });

  // The name becomes the namespace's (cell-<name>): a dot would turn into a dash and share another
  // Cell's namespace (deleting one Cell would delete the other's), a longer name would not fit.
  it.each([
    ["a dot", "foo.bar"],
    ["an uppercase letter", "Foo-bar"],
    ["a leading dash", "-foo"],
    ["59 characters", "c".repeat(59)],
  ])("refuses a cell whose name has %s, and names the rule", async (_what, name) => {
    expect(await dryRun(kube, "cells", { ...cell({}), metadata: { name } })).toMatch(/a Cell's name must be (a DNS label|at most 58 characters)/);
  });

  it("accepts a cell name that is a DNS label of up to 58 characters, and refuses pinning a tenant to a longer one", async () => {
    expect(await dryRun(kube, "cells", { ...cell({}), metadata: { name: `${instance}-${"c".repeat(58 - instance.length - 1)}` } })).toBe("");
    expect(await dryRun(kube, "cells", { ...cell({}), metadata: { name: `${instance}-foo-bar` } })).toBe("");
    expect(await dryRun(kube, "tenants", tenant({ cell: "c".repeat(59) }))).toMatch(/spec\.cell/);
  });

  it("refuses changing a stored tenant's slug, and its isolation other than shared to dedicated (a move)", async () => {
    const kept = tenantManifest(instance, `${instance}-kept`);
    await applyTenant(kube, kept);
    expect(await dryRun(kube, "tenants", { ...kept, spec: { ...kept.spec, slug: `${instance}-other` } })).toMatch(/spec\.slug.*slug is immutable/);
    expect(await dryRun(kube, "tenants", { ...kept, spec: { ...kept.spec, isolation: "dedicated", plan: "chain" } })).toBe("");
    const chain = tenantManifest(instance, `${instance}-kept`, { isolation: "dedicated", plan: "chain" });
    await applyTenant(kube, chain);
    expect(await dryRun(kube, "tenants", { ...chain, spec: { ...chain.spec, isolation: "shared" } })).toMatch(/spec\.isolation.*only change from shared to dedicated/);
    expect(await dryRun(kube, "tenants", { ...chain, spec: { ...chain.spec, suspended: true } })).toBe("");
  });

  it("prints Ready, Cell, Plan, URL and Age for tenants and Class, Tenants, Version, Ready, Available for cells", async () => {
    const crd = await kube.extensions.readCustomResourceDefinition({ name: `tenants.${GROUP}` });
    expect(crd.spec.versions[0]!.additionalPrinterColumns!.map((c) => c.name)).toEqual(["Ready", "Cell", "Plan", "URL", "Age"]);
    expect(crd.spec.names.shortNames).toEqual(["tn"]);
    expect(crd.spec.names.categories).toEqual(["lsp"]);
    const cells = await kube.extensions.readCustomResourceDefinition({ name: `cells.${GROUP}` });
    expect(cells.spec.versions[0]!.additionalPrinterColumns!.map((c) => c.name)).toEqual(["Class", "Tenants", "Version", "Ready", "Available", "Age"]);
  });
});
