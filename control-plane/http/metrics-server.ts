// Prometheus metrics on a port of their own. The public port is reached through ingresses and
// gateways that may or may not say where a request came from; a port that no Service routes the
// internet to cannot leak platform-wide figures, whatever the proxy in front does.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** A health check for liveness probes: `ok` false answers 503. */
export type HealthCheck = () => { ok: boolean } & Record<string, unknown>;

/**
 * An HTTP server answering GET /metrics from `registry`, GET /healthz from `health` when given
 * (200 or 503, JSON), and 404 to anything else.
 */
export function createMetricsServer(registry: Registry, health?: HealthCheck): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    if (path === "/healthz" && health) {
      const state = health();
      return void res.writeHead(state.ok ? 200 : 503, { "content-type": "application/json" }).end(req.method === "HEAD" ? undefined : JSON.stringify(state));
    }
    if (path !== "/metrics") return void res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? undefined : body),
      (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${error.message}\n`),
    );
  });
}

/** Listens on `port` (0: any free one) and resolves to the server's base URL. */
export async function listenHttp(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
}
