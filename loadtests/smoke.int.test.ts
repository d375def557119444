// CI's load gate: the smoke profile with k6 against the local platform (router, control plane,
// operator, a cell and its ML pod as processes), failing when an objective is broken.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startE2ePlatform, type E2ePlatform } from "../e2e/platform.js";
import { busyMachineSlack, configureLocalPayments, describeLoad, loadTestMomoAccount, prepareTenant, runK6, servingCell, type LoadTarget, type MomoAccount } from "./index.js";

const slug = `k6-smoke-${process.pid}`;
const results = mkdtempSync(join(tmpdir(), "lsp-k6-results-"));
let platform: E2ePlatform;
let target: LoadTarget;
let momo: MomoAccount;

beforeAll(async () => {
  momo = loadTestMomoAccount();
  configureLocalPayments(join(results, "payment-providers.json"), slug, momo);
  platform = await startE2ePlatform("loadtest");
  target = await prepareTenant(platform, slug);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  delete process.env.PAYMENT_PROVIDERS_FILE;
  rmSync(results, { recursive: true, force: true });
});

describe("Given a tenant signed up on the local platform and a MoMo account for its cell", () => {
  it("runs the smoke profile through the router with every objective met and records reads, writes, webhooks and deliveries", async () => {
    // On a quiet machine the objectives as stated; on a shared runner with more runnable tasks than
    // cores, latency objectives stretch by load/cores (the summary says so). Error and check
    // objectives never stretch, and the next test proves a crossed threshold still fails the run.
    const slack = busyMachineSlack();
    const cell = await servingCell(platform, slug);
    const result = await runK6({ profile: "smoke", target, momo, cell, resultFile: join(results, "smoke.json"), smokeDuration: "10s", subscribeSeconds: 5, thresholdScale: slack });
    const { machine } = result.summary ?? {};
    const load = machine ? `${describeLoad(machine.loadAverageBefore, machine.cores)}, latency slack x${slack}` : "";
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? "" : `${load}\n${result.output}` }).toEqual({ exitCode: 0, output: "" });
    expect(machine?.cores).toBeGreaterThan(0);
    // The result names the cell it measured: the operator's first shared cell on a fresh platform.
    expect(result.summary!.cell).toBe("shared-1");
    const m = result.summary!.metrics;
    for (const name of ["http_req_duration{read:cached}", "http_req_duration{read:uncached}", "http_req_duration{op:createOrder}", "http_req_duration{op:momoIpn}", "ws_delivery_ms"]) {
      expect({ name, thresholds: Object.values(m[name]?.thresholds ?? {}) }).toEqual({ name, thresholds: [{ ok: true }] });
    }
    // A trend without samples reports 0 everywhere: a positive max means webhooks were really sent.
    expect(m["http_req_duration{op:momoIpn}"]!.values.max).toBeGreaterThan(0);
    expect(m.ws_sales_received!.values.count).toBeGreaterThan(0);
    expect(m.graphql_errors!.values.rate).toBe(0);
    // Every objective was also measured (k6 passes a threshold that saw no sample).
    for (const name of ["http_reqs{read:cached}", "http_reqs{read:uncached}", "http_reqs{op:createOrder}", "http_reqs{op:momoIpn}", "ws_sales_received"]) {
      expect({ name, thresholds: m[name]?.thresholds }).toEqual({ name, thresholds: { "count>0": { ok: true } } });
    }
  }, 90_000);

  it("exits with k6's threshold code 99 when an objective cannot be met", async () => {
    const result = await runK6({ profile: "smoke", target, resultFile: join(results, "impossible.json"), smokeDuration: "2s", subscribeSeconds: 1, impossibleThreshold: true });
    expect(result.exitCode).toBe(99);
    expect(result.summary!.metrics["http_req_duration{read:cached}"]!.thresholds).toEqual({ "p(95)<0.001": { ok: false } });
  }, 60_000);
});
