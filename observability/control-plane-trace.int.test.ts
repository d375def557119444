// control-plane/main.ts as a real process exporting spans over OTLP/HTTP JSON to a receiver in
// this test: a request carrying a caller's traceparent shows up as the control plane's server span
// in the caller's trace.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase, randomPhone, type TestDatabase } from "../control-plane/testing/databases.js";
import { startOtlpReceiver, type OtlpReceiver } from "./testing/otlp-receiver.js";

const ROOT = resolve(import.meta.dirname, "..");
const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN = "b7ad6b7169203331";
const SERVER_KIND = 2;
let receiver: OtlpReceiver;
let db: TestDatabase;
let child: ChildProcess;
let url: string;

function started(process: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let out = "";
    process.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (match) done(match[1]!);
    });
    process.once("exit", (code) => fail(new Error(`control plane exited (${code}) before listening:\n${out}`)));
  });
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  db = await createTestDatabase("cptrace");
  child = spawn(process.execPath, ["--import", "tsx", "control-plane/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      LOG_LEVEL: "info",
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL!,
      OTP_PEPPER: "trace-test-pepper-0123456789",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  url = await started(child);
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) await new Promise((done) => (child.once("exit", done), child.kill("SIGTERM")));
  await db?.drop();
  await receiver?.close();
});

describe("Given control-plane/main.ts started with an OTLP endpoint", () => {
  it("exports a server span of lsp-control-plane for a request, inside the caller's trace", async () => {
    const res = await fetch(`${url}/auth/otp/request`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
      body: JSON.stringify({ phone: randomPhone() }),
    });
    expect(res.status).toBe(202);

    const inTrace = () => receiver.spans.filter((s) => s.traceId === TRACE_ID);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && inTrace().length === 0) await sleep(100);
    const server = inTrace().find((s) => s.kind === SERVER_KIND);
    expect(server).toMatchObject({ service: "lsp-control-plane", parentSpanId: CALLER_SPAN });
    expect(server!.name).toMatch(/^POST/);
  }, 30_000);

  it("does not trace probes and scrapes", async () => {
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    // A traced request after them: once its span arrived, theirs would have too.
    await fetch(`${url}/.well-known/jwks.json`);
    const deadline = Date.now() + 15_000;
    const names = () => receiver.spans.filter((s) => s.service === "lsp-control-plane" && s.kind === SERVER_KIND).map((s) => s.name);
    while (Date.now() < deadline && !names().some((n) => n.startsWith("GET"))) await sleep(100);
    expect(names().filter((n) => n.startsWith("GET"))).toHaveLength(1);
  }, 30_000);
});
