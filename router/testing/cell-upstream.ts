// A cell-like upstream for the router's tests, run as its own process: an HTTP server that
// verifies the signed tenant header exactly as a cell does and echoes what it received, plus a
// socket.io server. Prints "READY <port>" when listening.
//
//   CELL_NAME=cell-a ROUTER_MASTER_KEY=... node --import tsx router/testing/cell-upstream.ts
//
// A real cell is handed its own key by the operator. This one binds a port chosen at start, so it
// derives that key itself, from the master and its endpoint (http://127.0.0.1:<port>), once
// listening: exactly the key the router signs with for that endpoint, and only that key.
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketIoServer } from "socket.io";
import { deriveCellKey } from "../../common/cell-keys.js";
import { TENANT_HEADER, TENANT_SIGNATURE_HEADER, verifyTenant } from "../../common/index.js";

const name = process.env.CELL_NAME ?? "cell";
const masterKey = process.env.ROUTER_MASTER_KEY ?? "";
let key = "";

function tenantOf(headers: http.IncomingHttpHeaders): { tenant: string | undefined; verified: boolean } {
  const slug = headers[TENANT_HEADER] as string | undefined;
  const check = verifyTenant(key, slug, headers[TENANT_SIGNATURE_HEADER] as string | undefined);
  return { tenant: slug, verified: check.ok };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://cell");
  const { tenant, verified } = tenantOf(req.headers);
  if (url.pathname === "/connections") {
    server.getConnections((_err, count) => res.end(JSON.stringify({ connections: count, sockets: io.engine.clientsCount })));
    return;
  }
  if (url.pathname === "/slow") {
    const timer = setTimeout(() => res.end(JSON.stringify({ cell: name, tenant })), Number(url.searchParams.get("ms") ?? 1000));
    res.on("close", () => clearTimeout(timer));
    return;
  }
  if (url.pathname === "/stream") {
    const chunks = Number(url.searchParams.get("chunks") ?? 5);
    res.writeHead(200, { "content-type": "text/plain" });
    let i = 0;
    const tick = setInterval(() => {
      res.write(`chunk ${i}\n`);
      if (++i === chunks) {
        clearInterval(tick);
        res.end();
      }
    }, 20);
    res.on("close", () => clearInterval(tick));
    return;
  }
  const hash = createHash("sha256");
  let bytes = 0;
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "x-cell": name, "set-cookie": ["a=1", "b=2"] });
    res.end(JSON.stringify({ cell: name, tenant, verified, method: req.method, url: req.url, headers: req.headers, bodyBytes: bytes, bodySha256: hash.digest("hex") }));
  });
});
// Longer than the router's pooled idle time (field notes: otherwise pooled sockets hit ECONNRESET).
server.keepAliveTimeout = 10_000;
server.headersTimeout = 15_000;

const io = new SocketIoServer(server, { transports: ["websocket"] });
io.on("connection", (socket) => {
  const { tenant, verified } = tenantOf(socket.handshake.headers);
  socket.on("echo", (message: unknown, ack: (reply: unknown) => void) => ack({ cell: name, tenant, verified, message }));
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  key = deriveCellKey(masterKey, "router-signing", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
