// Not a peer, and not a proxy anyone could use: the least work a Node process can do in the
// middle of an HTTP exchange. One upstream socket per client socket, bytes copied both ways
// as they come, nothing parsed, no Host routing. Its added latency at the router's half-load
// pace is the runtime's own cost of one proxy hop on this machine — the floor any Node proxy's
// figure sits on, the router's included.
import net from "node:net";
import { announce, arg } from "./ready.js";

const upstream = new URL(arg("upstream"));
const upstreamPort = Number(upstream.port);

const server = net.createServer({ noDelay: true }, (client) => {
  const cell = net.connect({ host: upstream.hostname, port: upstreamPort, noDelay: true });
  client.on("data", (chunk: Buffer) => cell.write(chunk));
  cell.on("data", (chunk: Buffer) => client.write(chunk));
  client.on("close", () => cell.destroy());
  cell.on("close", () => client.destroy());
  client.on("error", () => cell.destroy());
  cell.on("error", () => client.destroy());
});
server.listen(Number(arg("port")), "127.0.0.1", () => announce(server));
