// The benchmark's peer: a bare socket.io server in its own process — no authentication, no
// database, no Redis adapter — that emits to one room when asked. It is the floor of what a
// socket.io fan-out to the same clients costs on this machine.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

const server = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/emit") {
    io.to("room").emit("sale", { publishedAt: performance.timeOrigin + performance.now() });
    res.end("ok");
    return;
  }
  res.statusCode = 404;
  res.end();
});
const io = new Server(server, { serveClient: false });
io.on("connection", (socket) => void socket.join("room"));
server.listen(0, "127.0.0.1", () => process.stdout.write(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on("SIGTERM", () => process.exit(0));
