// One trace across three real processes, each exporting spans over OTLP/HTTP JSON to a receiver
// in this test: the router (router/main.ts), the cell API (cell/main.ts) and its ML pod
// (ml/main.ts). The request is the refreshRecommendations mutation, which the cell answers by
// calling the ML pod over gRPC.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnCellApi, type CellProcess } from "../cell/realtime/testing/cell-process.js";
import { createCellFixture, type CellFixture } from "../cell/realtime/testing/fixture.js";
import { freePort } from "../scripts/services/processes.js";
import { startOtlpReceiver, type OtlpReceiver } from "./testing/otlp-receiver.js";

const ROOT = resolve(import.meta.dirname, "..");
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACING_ENV = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_BSP_SCHEDULE_DELAY", "ML_GRPC_URL"];
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), "lsp-trace-"));
let receiver: OtlpReceiver;
let fx: CellFixture;
let cellApi: CellProcess;
let routerPort: number;

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: "", LOG_LEVEL: "warn", ...env }, stdio: "ignore" });
  children.push(child);
  return child;
}

async function listening(port: number, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((done) => {
      const s = connect(port, "127.0.0.1", () => (s.end(), done(true)));
      s.on("error", () => done(false));
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`nothing listening on ${port} after ${timeoutMs} ms`);
}

function post(port: number, host: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/graphql", method: "POST", headers: { host, "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const [mlPort, adminPort] = [await freePort(), await freePort()];
  routerPort = await freePort();
  // Every process below (the cell API via spawnCellApi too) inherits this environment.
  Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100", ML_GRPC_URL: `127.0.0.1:${mlPort}` });
  start(["ml/main.ts", "--host", "127.0.0.1"], { PORT: String(mlPort) });
  fx = await createCellFixture("trace");
  cellApi = await spawnCellApi(fx, join(dir, "payments.json"), { behindRouter: true });
  writeFileSync(join(dir, "routes.json"), JSON.stringify({ routes: { [fx.pho.slug]: { endpoint: cellApi.url } } }));
  start(
    ["router/main.ts", "--source", "file", "--routes-file", join(dir, "routes.json"), "--domain", "localhost", "--host", "127.0.0.1", "--port", String(routerPort), "--admin-port", String(adminPort), "--state-file", join(dir, "state.json"), "--forwarded-proto", "http"],
    { ROUTER_SIGNING_KEY: fx.signingKey },
  );
  await Promise.all([listening(mlPort), listening(routerPort)]);
}, 90_000);

afterAll(async () => {
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((done) => (c.once("exit", done), c.kill("SIGTERM"))))));
  await cellApi?.stop();
  await fx?.drop();
  for (const name of TRACING_ENV) delete process.env[name];
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Given the router, the cell API and its ML pod exporting spans", () => {
  it("records one trace from router to cell to ML under the caller's trace id, the ML span a child of a cell span", async () => {
    const token = await fx.ownerToken(fx.pho.slug);
    const res = await post(
      routerPort,
      `${fx.pho.slug}.localhost`,
      { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, authorization: `Bearer ${token}` },
      JSON.stringify({ query: "mutation($l: ID!) { refreshRecommendations(locationId: $l) { id } }", variables: { l: fx.pho.locations[0] } }),
    );
    expect({ status: res.status, errors: (JSON.parse(res.body) as { errors?: unknown }).errors }).toEqual({ status: 200, errors: undefined });

    const inTrace = () => receiver.spans.filter((s) => s.traceId === TRACE_ID);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && new Set(inTrace().map((s) => s.service)).size < 3) await sleep(100);
    expect([...new Set(inTrace().map((s) => s.service))].sort()).toEqual(["lsp-cell", "lsp-ml", "lsp-router"]);

    const cellSpans = new Set(inTrace().filter((s) => s.service === "lsp-cell").map((s) => s.spanId));
    const ml = inTrace().find((s) => s.service === "lsp-ml")!;
    expect(ml.name).toBe("grpc.lsp.ml.v1.MlService/GetRecommendations");
    expect(cellSpans.has(ml.parentSpanId!)).toBe(true);
  }, 30_000);

  it("exports nothing for a process started without an OTLP endpoint", async () => {
    const { startTracing } = await import("./tracing.js");
    await expect(startTracing("lsp-test", {})).resolves.toBeUndefined();
  });
});
