// The ML pod's HTTP side port: /metrics for Prometheus, /healthz and /readyz for probes and
// people with curl (the kubelet can also ask grpc.health.v1 on the gRPC port).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthHttpOptions {
  port: number;
  host: string;
  registry: Registry;
  /** True while the gRPC server takes calls (false before it bound and once it is stopping). */
  ready: () => boolean;
}

export interface HealthHttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthHttp(options: HealthHttpOptions): Promise<HealthHttpServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { allow: "GET, HEAD" }).end();
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (path === "/readyz") {
      const ready = options.ready();
      return void res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n");
    }
    if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(err)}\n`),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: this port serves /metrics, /healthz and /readyz\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => (server.off("error", reject), resolve()));
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
