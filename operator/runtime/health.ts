// /healthz (the process is alive and its loops turn), /readyz (caches synced; a standby replica is
// ready too, as with controller-runtime) and /metrics (Prometheus text) on one port.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthSources {
  registry: Registry;
  live: () => boolean;
  ready: () => boolean;
}

export function startHealthServer(port: number, host: string, sources: HealthSources): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/readyz") {
      const ok = path === "/healthz" ? sources.live() : sources.ready();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok" : "not ready");
      return;
    }
    if (path === "/metrics") {
      sources.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": sources.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /healthz, /readyz or /metrics");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
