import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ChildProcess } from "node:child_process";
import { freePort } from "../scripts/services/processes.js";
import { microTime } from "./runtime/leader.js";
import { applyTenant, eventually, forceForget, getTenant, installCrds, isReady, killHard, spawnOperator, tenantManifest, testKube, uniqueInstance } from "./testing/harness.js";

const kube = testKube();
const leaseHolder = (lease: string) => kube.coordination.readNamespacedLease({ name: lease, namespace: "default" }).then((l) => l.spec?.holderIdentity || undefined);

describe("Given two operator replicas sharing one Lease", () => {
  const instance = uniqueInstance("f");
  const lease = `lsp-operator-${instance}`;
  const replicas = new Map<string, ChildProcess>();

  beforeAll(async () => {
    await installCrds(kube);
    for (const id of ["replica-a", "replica-b"]) replicas.set(id, spawnOperator(instance, id));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...replicas.values()].map(killHard));
    await forceForget(kube, instance);
  });

  it("elects exactly one leader, which reconciles", async () => {
    const leader = await eventually("a leader", () => leaseHolder(lease), 30_000);
    expect(replicas.has(leader)).toBe(true);
    await applyTenant(kube, tenantManifest(instance, `${instance}-one`));
    await eventually("tenant Ready", async () => isReady(await getTenant(kube, `${instance}-one`)), 90_000);
  }, 120_000);

  it("fails over within the lease time when the leader is killed (SIGKILL, no release)", async () => {
    const leader = (await leaseHolder(lease))!;
    const killedAt = Date.now();
    await killHard(replicas.get(leader)!);
    replicas.delete(leader);
    const next = await eventually("the standby to take the lease", async () => {
      const holder = await leaseHolder(lease);
      return holder && holder !== leader ? holder : undefined;
    }, 30_000, 100);
    const takeoverMs = Date.now() - killedAt;
    process.stderr.write(`[failover] ${leader} killed; ${next} took the lease after ${takeoverMs} ms\n`);
    // The standby sees the last renewal up to one retry period late, waits the 15 s lease from
    // then, and notices expiry on its next retry: at most 15 s + 2 × 2 s, plus slack for a loaded machine.
    expect(takeoverMs).toBeLessThan(15_000 + 2 * 2_000 + 3_000);
    await applyTenant(kube, tenantManifest(instance, `${instance}-two`));
    await eventually("tenant Ready under the new leader", async () => isReady(await getTenant(kube, `${instance}-two`)), 90_000);
  }, 150_000);

  it("exits non-zero when its lease is taken away and it cannot renew within the renew deadline", async () => {
    const [id, child] = [...replicas.entries()][0]!;
    expect(await leaseHolder(lease)).toBe(id);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // An intruder keeps rewriting the lease, as a partitioned-away leader would see it.
    const started = Date.now();
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    while (code === undefined && Date.now() - started < 30_000) {
      const l = await kube.coordination.readNamespacedLease({ name: lease, namespace: "default" });
      await kube.coordination.replaceNamespacedLease({ name: lease, namespace: "default", body: { ...l, spec: { ...l.spec, holderIdentity: "intruder", renewTime: microTime(), leaseDurationSeconds: 15 } } }).catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000 + 2_000 + 5_000);
    replicas.delete(id);
  }, 60_000);
});

describe("Given a leader stopped gracefully (SIGTERM)", () => {
  const instance = uniqueInstance("g");
  const lease = `lsp-operator-${instance}`;
  const replicas = new Map<string, ChildProcess>();

  beforeAll(async () => {
    await installCrds(kube);
    replicas.set("first", spawnOperator(instance, "first"));
    await eventually("first leads", async () => (await leaseHolder(lease)) === "first", 30_000);
    // The standby's /readyz answers once it runs and competes for the Lease (a loaded machine can
    // take many seconds to start a replica; a fixed pause raced that).
    const port = await freePort();
    replicas.set("second", spawnOperator(instance, "second", ["--http-port", String(port)]));
    await eventually("the standby up", () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok), 60_000, 200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...replicas.values()].map(killHard));
  });

  it("releases the lease so the standby takes over without waiting for expiry", async () => {
    const first = replicas.get("first")!;
    const exited = new Promise<number | null>((resolve) => first.once("exit", (code) => resolve(code)));
    const stoppedAt = Date.now();
    first.kill("SIGTERM");
    expect(await exited).toBe(0);
    await eventually("second leads", async () => (await leaseHolder(lease)) === "second", 15_000, 100);
    const takeoverMs = Date.now() - stoppedAt;
    process.stderr.write(`[failover] graceful hand-over took ${takeoverMs} ms\n`);
    expect(takeoverMs).toBeLessThan(8_000);
  }, 60_000);
});
