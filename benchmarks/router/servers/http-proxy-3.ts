// Peer: http-proxy-3 behind node:http, routing by Host with a Map, keep-alive agent to the upstream.
import http from "node:http";
import { createProxyServer } from "http-proxy-3";
import { announce, arg, hostKey, loadHostTable } from "./ready.js";

const table = loadHostTable(arg("routes"), arg("domain"));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = createProxyServer({ agent, xfwd: true });
proxy.on("error", (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
  else res.destroy();
});
const server = http.createServer((req, res) => {
  const target = table.get(hostKey(req.headers.host));
  if (target === undefined) return void res.writeHead(404).end();
  proxy.web(req, res, { target });
});
server.on("upgrade", (req, socket, head) => {
  const target = table.get(hostKey(req.headers.host));
  if (target === undefined) return void socket.destroy();
  proxy.ws(req, socket, head, { target });
});
server.keepAliveTimeout = 120_000;
server.listen(Number(arg("port")), "127.0.0.1", () => announce(server));
