// The runtime's ceiling: node:http answering by itself, no proxying.
import http from "node:http";
import { announce, arg } from "./ready.js";

const body = Buffer.from("ok\n");
const server = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 120_000;
server.listen(Number(arg("port")), "127.0.0.1", () => announce(server));
