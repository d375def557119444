import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { writeLocalKubeconfig } from "../local-platform/api/kubeconfig.js";
import { startLocalApiServer, type LocalApiServer } from "../local-platform/api/server.js";
import { ResourceStore } from "../local-platform/store/resource-store.js";
import { toolPath } from "../scripts/services/toolchain.js";
import { apply, describe as describeCmd, get, remove, type Output } from "./commands.js";
import { resolveTarget, type Target } from "./target.js";

function capture(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

const dir = mkdtempSync(join(tmpdir(), "lsp-cli-"));
const slug = `cli-${process.pid}`;
const manifest = join(dir, "tenant.yaml");
const badManifest = join(dir, "bad.yaml");
writeFileSync(manifest, `apiVersion: localstoreplatform.com/v1alpha1
kind: Tenant
metadata:
  name: ${slug}
spec:
  slug: ${slug}
  displayName: "Cơm Tấm Sài Gòn"
  plan: chain
  owner: { phone: "+84987654321", name: "Lê Văn Tâm" }
  locations:
    - name: "Quận 1"
    - name: "Quận 3"
      timezone: Asia/Ho_Chi_Minh
`);
writeFileSync(badManifest, `apiVersion: localstoreplatform.com/v1alpha1
kind: Tenant
metadata:
  name: ${slug}-bad
spec:
  slug: www
  displayName: "Bad"
  plan: starter
  isolation: dedicated
  owner: { phone: "0901", name: "X" }
`);

describe("Given the lsp CLI against the local platform and against a real apiserver", () => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  let server: LocalApiServer;
  let local: Target;
  let cluster: Target;

  beforeAll(async () => {
    await pool.query(`drop schema if exists local_platform cascade`);
    const store = await ResourceStore.open(pool);
    server = await startLocalApiServer(store);
    const kubeconfig = join(dir, "local-kubeconfig");
    writeLocalKubeconfig(kubeconfig, server.url);
    local = resolveTarget({ kubeconfig });
    cluster = resolveTarget({ kubeconfig: process.env.KUBECONFIG! });
    for (const file of readdirSync(join(import.meta.dirname, "..", "crds"))) {
      execFileSync(toolPath("kubectl"), [`--kubeconfig=${process.env.KUBECONFIG}`, "apply", "--server-side", "--force-conflicts", "-f", join(import.meta.dirname, "..", "crds", file)], { stdio: "pipe" });
    }
    for (let i = 0; i < 100; i++) {
      const probe = capture();
      if (await get(cluster, "tenants", undefined, "json", probe)) break;
      await sleep(100);
    }
  });

  afterAll(async () => {
    await remove(cluster, "tenant", [slug], undefined, capture());
    await server.close();
    await pool.end();
  });

  async function session(target: Target) {
    const steps: Record<string, { ok: boolean; out: string[]; err: string[] }> = {};
    const run = async (name: string, fn: (io: Output) => Promise<boolean>) => {
      const io = capture();
      steps[name] = { ok: await fn(io), out: io.lines, err: io.errors };
    };
    await run("create", (io) => apply(target, manifest, io));
    await run("reapply", (io) => apply(target, manifest, io));
    await run("invalid", (io) => apply(target, badManifest, io));
    await run("table", (io) => get(target, "tn", undefined, "table", io));
    await run("one", (io) => get(target, "tenant", slug, "json", io));
    await run("describe", (io) => describeCmd(target, "tenant", slug, io));
    await run("delete", (io) => remove(target, "tenants", [slug], undefined, io));
    await run("missing", (io) => get(target, "tenant", slug, "json", io));
    return steps;
  }

  it("gives the same answers, including the apiserver's field-level errors", async () => {
    const onLocal = await session(local);
    const onCluster = await session(cluster);

    expect({ ...onLocal.create, step: "create" }).toEqual({ ok: true, out: [`tenant.localstoreplatform.com/${slug} created`], err: [], step: "create" });
    expect(onLocal.reapply!.out).toEqual([`tenant.localstoreplatform.com/${slug} unchanged`]);
    expect(onLocal.invalid!.ok).toBe(false);
    expect(onLocal.invalid!.err[0]).toContain("spec.slug: Invalid value");
    expect(onLocal.invalid!.err[0]).toContain("spec.owner.phone");
    expect(onLocal.delete!.out).toEqual([`tenant.localstoreplatform.com "${slug}" deleted`]);
    expect(onLocal.missing!.ok).toBe(false);

    for (const step of ["create", "reapply", "invalid", "delete"]) {
      expect({ step, ...onLocal[step] }).toEqual({ step, ...onCluster[step] });
    }
    const localTenant = JSON.parse(onLocal.one!.out[0]!);
    const clusterTenant = JSON.parse(onCluster.one!.out[0]!);
    expect(localTenant.spec).toEqual(clusterTenant.spec);
    expect(localTenant.spec.locations[0].timezone).toBe("Asia/Ho_Chi_Minh");
    expect(onLocal.table!.out[0]!.split("\n")[0]).toEqual(onCluster.table!.out[0]!.split("\n")[0]);
    expect(onLocal.table!.out.join("\n")).toContain(slug);
    expect(onLocal.describe!.out[0]!.split("\n")[0]).toBe(`Name:         ${slug}`);
    expect(onLocal.missing!.err[0]).toMatch(/NotFound/);
    expect(onCluster.missing!.err[0]).toMatch(/NotFound/);
  });
});
