// The upstream for the WebSocket memory measurement: completes real WebSocket handshakes
// (fastify's proxy re-originates them and checks Sec-WebSocket-Accept) and holds the sockets.
import { createHash } from "node:crypto";
import http from "node:http";
import { announce, arg } from "./ready.js";

const server = http.createServer((_req, res) => res.writeHead(426).end());
server.on("upgrade", (req, socket) => {
  const key = req.headers["sec-websocket-key"] ?? "";
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  socket.on("error", () => socket.destroy());
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
});
server.listen(Number(arg("port")), "127.0.0.1", () => announce(server));
