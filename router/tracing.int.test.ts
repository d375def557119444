// Tracing through the router as a process (router/main.ts) exporting spans to an OTLP receiver:
// without an incoming traceparent the router's span is the root of the trace, and the cell gets
// that span as its parent; with one, the router's span continues the caller's trace and the
// cell's parent is the router's span. (The cell here is the echo upstream: it shows what it got.)
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../observability/testing/otlp-receiver.js";
import { canConnect, freePort } from "../scripts/services/processes.js";
import { send } from "./testing/client.js";
import { eventually } from "./testing/eventually.js";
import { startCell, TEST_SIGNING_KEY, type CellProcess, TEST_ENGINE } from "./testing/processes.js";

describe("Given the router process exporting spans", () => {
  const dir = mkdtempSync(join(tmpdir(), "router-trace-"));
  let receiver: OtlpReceiver;
  let cell: CellProcess;
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    [receiver, cell] = await Promise.all([startOtlpReceiver(), startCell("cell-traced")]);
    writeFileSync(join(dir, "routes.json"), JSON.stringify({ routes: { pho: { endpoint: cell.endpoint } } }));
    const [port, adminPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      ["--import", "tsx", resolve(import.meta.dirname, "main.ts"), "--engine", TEST_ENGINE, "--source", "file", "--routes-file", join(dir, "routes.json"), "--port", String(port), "--admin-port", String(adminPort), "--host", "127.0.0.1", "--domain", "localhost", "--state-file", join(dir, "state.json"), "--forwarded-proto", "http"],
      {
        env: { ...process.env, NODE_OPTIONS: "", LOG_LEVEL: "warn", ROUTER_SIGNING_KEY: TEST_SIGNING_KEY, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "100" },
        stdio: "ignore",
      },
    );
    await eventually("the router to listen", () => canConnect(port), 45_000, 100);
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    await cell?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function routerSpan(traceId: string): Promise<ReceivedSpan> {
    const mine = () => receiver.spans.filter((s) => s.service === "lsp-router" && s.traceId === traceId);
    await eventually(`the router's span in trace ${traceId}`, () => mine().length > 0, 10_000);
    expect(mine()).toHaveLength(1);
    return mine()[0]!;
  }

  it("makes its own span the root of a new trace and the parent the cell sees when the client sent none", async () => {
    const res = await send(url, { host: "pho.localhost" });
    expect(res.status).toBe(200);
    const sent = res.json<{ headers: Record<string, string> }>().headers.traceparent!;
    expect(sent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, parentId] = sent.split("-");
    const span = await routerSpan(traceId!);
    expect(span).toMatchObject({ spanId: parentId, parentSpanId: undefined, kind: 2 });
  });

  it("continues the caller's trace, with the router's span between the caller and the cell", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const res = await send(url, { host: "pho.localhost", headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, tracestate: "vendor=1" } });
    const headers = res.json<{ headers: Record<string, string> }>().headers;
    const span = await routerSpan(traceId);
    expect(span.parentSpanId).toBe("b7ad6b7169203331");
    expect(headers.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
    expect(headers.tracestate).toBe("vendor=1");
  });
});
