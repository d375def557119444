import { beforeAll, describe, expect, it } from "@jest/globals";
import * as k8s from "@kubernetes/client-node";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { toolPath } from "../../scripts/services/toolchain.js";
import { admit, type CustomObject } from "./manifests.js";

const crdDir = join(import.meta.dirname, "..", "..", "crds");
const suffix = `${process.pid}`;

function tenant(overrides: Record<string, unknown> = {}, name = `lp-${suffix}`): CustomObject {
  return {
    apiVersion: "localstoreplatform.com/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: { slug: name, displayName: "Phở Bò Hà Nội", plan: "growth", owner: { phone: "+84901234567", name: "Nguyễn Văn An" }, ...overrides },
  };
}

/** The fields an apiserver error names, from its Status causes or a strict-decoding message. */
function fieldsNamed(status: { details?: { causes?: { field?: string }[] }; message?: string }): string[] {
  const fromCauses = (status.details?.causes ?? []).map((c) => c.field ?? "").filter(Boolean);
  const fromMessage = [...(status.message ?? "").matchAll(/unknown field "([^"]+)"/g)].map((m) => m[1]!);
  return [...new Set([...fromCauses, ...fromMessage])].sort();
}

describe("Given manifests validated locally and by the real apiserver", () => {
  const kc = new k8s.KubeConfig();
  let custom: k8s.CustomObjectsApi;

  beforeAll(async () => {
    kc.loadFromFile(process.env.KUBECONFIG!);
    custom = kc.makeApiClient(k8s.CustomObjectsApi);
    for (const file of readdirSync(crdDir).filter((f) => f.endsWith(".yaml"))) {
      execFileSync(toolPath("kubectl"), [`--kubeconfig=${process.env.KUBECONFIG}`, "apply", "--server-side", "--force-conflicts", "-f", join(crdDir, file)], { stdio: "pipe" });
    }
    for (let i = 0; i < 100; i++) {
      try {
        await custom.listClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "tenants" });
        await custom.listClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "cells" });
        break;
      } catch {
        await sleep(100);
      }
    }
  });

  async function apiserverFields(object: CustomObject, plural: string): Promise<string[]> {
    try {
      await custom.createClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural, body: object, dryRun: "All", fieldValidation: "Strict" });
      return [];
    } catch (error) {
      const body = (error as { body?: string }).body;
      return fieldsNamed(typeof body === "string" ? JSON.parse(body) : (body ?? {}));
    }
  }

  function localFields(object: CustomObject, old?: CustomObject): string[] {
    const result = admit(object, old);
    return result.ok ? [] : fieldsNamed(result.error);
  }

  const cases: [string, CustomObject, string][] = [
    ["a valid tenant", tenant(), "tenants"],
    ["an upper-case slug", tenant({ slug: "Pho_Bo" }), "tenants"],
    ["a reserved slug", tenant({ slug: "admin" }), "tenants"],
    ["an unknown plan", tenant({ plan: "gold" }), "tenants"],
    ["a phone that is not E.164", tenant({ owner: { phone: "0901234567", name: "An" } }), "tenants"],
    ["a missing owner phone", tenant({ owner: { name: "An" } }), "tenants"],
    ["a dedicated starter tenant", tenant({ isolation: "dedicated", plan: "starter" }), "tenants"],
    ["an unknown field", tenant({ colour: "red" }), "tenants"],
    ["a wrongly typed field", tenant({ suspended: "yes" }), "tenants"],
    ["duplicate location names", tenant({ locations: [{ name: "Quận 1" }, { name: "Quận 1" }] }), "tenants"],
    ["a cell with zero capacity", { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", metadata: { name: `c-${suffix}` }, spec: { class: "shared", capacity: 0, version: "1.0.0" } }, "cells"],
    ["a cell of an unknown class", { apiVersion: "localstoreplatform.com/v1alpha1", kind: "Cell", metadata: { name: `c-${suffix}` }, spec: { class: "huge", capacity: 10, version: "1.0.0" } }, "cells"],
  ];

  it.each(cases)("names the same fields as the apiserver for %s", async (_what, object, plural) => {
    const expected = await apiserverFields(object, plural);
    expect(localFields(object)).toEqual(expected);
  });

  it("refuses a slug change on update, like the apiserver's transition rule", async () => {
    const name = `lp-upd-${suffix}`;
    const created = (await custom.createClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "tenants", body: tenant({}, name) })) as CustomObject;
    try {
      const changed = structuredClone(created);
      changed.spec.slug = `${name}-new`;
      let apiFields: string[] = [];
      try {
        await custom.replaceClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "tenants", name, body: changed, dryRun: "All" });
      } catch (error) {
        const body = (error as { body?: string }).body;
        apiFields = fieldsNamed(typeof body === "string" ? JSON.parse(body) : (body ?? {}));
      }
      expect(apiFields).toEqual(["spec.slug"]);
      expect(localFields(changed, created)).toEqual(apiFields);
      expect(localFields(created, created)).toEqual([]);
    } finally {
      await custom.deleteClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "tenants", name });
    }
  });

  it("applies the schema defaults the apiserver applies", async () => {
    const local = admit(tenant({ locations: [{ name: "Quận 1" }] }));
    const server = (await custom.createClusterCustomObject({ group: "localstoreplatform.com", version: "v1alpha1", plural: "tenants", body: tenant({ locations: [{ name: "Quận 1" }] }), dryRun: "All" })) as CustomObject;
    expect(local.ok && local.object.spec).toEqual(server.spec);
  });
});
