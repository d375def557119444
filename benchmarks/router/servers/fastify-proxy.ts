// Peer: fastify + @fastify/http-proxy (undici underneath), upstream chosen per request by Host.
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";
import { announce, arg, hostKey, loadHostTable } from "./ready.js";

const table = loadHostTable(arg("routes"), arg("domain"));
const app = Fastify({ logger: false, keepAliveTimeout: 120_000 });
app.addHook("onRequest", async (req, reply) => {
  if (!table.has(hostKey(req.headers.host))) return reply.code(404).send();
});
await app.register(proxy, {
  upstream: "",
  websocket: true,
  replyOptions: { getUpstream: (req) => table.get(hostKey(req.headers.host))! },
  undici: { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 },
});
await app.listen({ port: Number(arg("port")), host: "127.0.0.1" });
announce(app.server);
