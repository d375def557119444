// One trace across processes, each exporting spans over OTLP/HTTP JSON to a receiver in this test:
// the real router (router/main.ts) in front of the real cell API (cell/main.ts), and in front of
// the cell's ML path (the real cell/ml-client in observability/testing/ml-caller.ts: the cell API
// has no request that calls ML yet) calling the real ML pod (ml/main.ts) over gRPC.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
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
const CELL_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
let fx: CellFixture;
let cellApi: CellProcess;
const children: ChildProcess[] = [];
let receiver: OtlpReceiver;
let routerPort: number;

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", LOG_LEVEL: "warn", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100", ...env },
    stdio: "ignore",
  });
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

function send(port: number, host: string, headers: Record<string, string>, path = "/recommendations", body?: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: body ? "POST" : "GET", headers: { host, ...headers } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const [mlPort, cellPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  routerPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "lsp-trace-"));
  // The cell process inherits this process's environment.
  Object.assign(process.env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100" });
  fx = await createCellFixture("trace");
  cellApi = await spawnCellApi(fx, join(dir, "payments.json"));
  writeFileSync(
    join(dir, "routes.json"),
    JSON.stringify({ routes: { "trace-probe": { endpoint: `http://127.0.0.1:${cellPort}` }, [fx.pho.slug]: { endpoint: cellApi.url } } }),
  );
  start(["ml/main.ts", "--host", "127.0.0.1"], { PORT: String(mlPort) });
  start(["observability/testing/ml-caller.ts"], { PORT: String(cellPort), ML_GRPC_URL: `127.0.0.1:${mlPort}` });
  start(
    ["router/main.ts", "--source", "file", "--routes-file", join(dir, "routes.json"), "--domain", "localhost", "--host", "127.0.0.1", "--port", String(routerPort), "--admin-port", String(adminPort), "--state-file", join(dir, "state.json"), "--forwarded-proto", "http"],
    { ROUTER_SIGNING_KEY: fx.signingKey },
  );
  await Promise.all([listening(mlPort), listening(cellPort), listening(routerPort)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    children.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((done) => (child.once("exit", done), child.kill("SIGTERM"))))),
  );
  await cellApi?.stop();
  await fx?.drop();
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_BSP_SCHEDULE_DELAY"]) delete process.env[name];
  await receiver?.close();
});

describe("Given the router, the cell API, the cell's ML client and the ML pod exporting spans", () => {
  it("records the router's and the cell API's spans of a GraphQL request under the caller's trace id", async () => {
    const token = await fx.ownerToken(fx.pho.slug);
    const res = await send(routerPort, `${fx.pho.slug}.localhost`, { traceparent: `00-${CELL_TRACE_ID}-b7ad6b7169203331-01`, authorization: `Bearer ${token}`, "content-type": "application/json" }, "/graphql", JSON.stringify({ query: "{ me { role } }" }));
    expect(res).toEqual({ status: 200, body: JSON.stringify({ data: { me: { role: "OWNER" } } }) });

    const deadline = Date.now() + 15_000;
    const services = () => new Set(receiver.spans.filter((s) => s.traceId === CELL_TRACE_ID).map((s) => s.service));
    while (Date.now() < deadline && services().size < 2) await sleep(100);
    expect([...services()].sort()).toEqual(["lsp-cell", "lsp-router"]);
  }, 30_000);

  it("records spans of all three under the caller's trace id, the ML span a child of the cell's", async () => {
    const res = await send(routerPort, "trace-probe.localhost", { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    expect(res).toEqual({ status: 200, body: JSON.stringify({ source: "ml" }) });

    const deadline = Date.now() + 15_000;
    const services = () => new Set(receiver.spans.filter((s) => s.traceId === TRACE_ID).map((s) => s.service));
    while (Date.now() < deadline && services().size < 3) await sleep(100);
    expect([...services()].sort()).toEqual(["lsp-cell", "lsp-ml", "lsp-router"]);

    const inTrace = receiver.spans.filter((s) => s.traceId === TRACE_ID);
    const cellSpans = new Set(inTrace.filter((s) => s.service === "lsp-cell").map((s) => s.spanId));
    const ml = inTrace.find((s) => s.service === "lsp-ml")!;
    expect(ml.name).toBe("grpc.lsp.ml.v1.MlService/GetRecommendations");
    expect(cellSpans.has(ml.parentSpanId!)).toBe(true);
  }, 30_000);

  it("exports nothing for a process started without an OTLP endpoint", async () => {
    // Checked on the module's contract: no endpoint, no SDK.
    const { startTracing } = await import("./tracing.js");
    await expect(startTracing("lsp-test", {})).resolves.toBeUndefined();
  });
});
