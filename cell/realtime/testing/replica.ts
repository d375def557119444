// Test support: one cell API replica as far as real-time and payments are concerned — an HTTP
// server with socket.io (Redis adapter), the payment webhooks, and sales entry through the cell
// core's createOrder — so tests can run several replicas against one Redis and one database.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServerAdapter } from "@whatwg-node/server";
import { Redis } from "ioredis";
import type { JSONWebKeySet } from "jose";
import { createLogger } from "../../../common/index.js";
import { identifyCaller, keySet, tenantDirectory } from "../../auth/index.js";
import { createDatabase } from "../../db/index.js";
import { createOrder, OrderInputError, type OrderRequest } from "../../orders/index.js";
import { createPaymentWebhookHandlers, type PaymentConfigInput, parsePaymentConfig } from "../../payments/index.js";
import { attachRealtime, type Realtime } from "../attach.js";

export interface ReplicaConfig {
  databaseUrl: string;
  schema: string;
  redisUrl: string;
  routerSigningKey: string;
  jwks: JSONWebKeySet;
  payments: PaymentConfigInput;
  port?: number;
  maxBufferedPackets?: number;
}

export interface Replica {
  url: string;
  server: Server;
  realtime: Realtime;
  close(): Promise<void>;
}

export async function startReplica(config: ReplicaConfig): Promise<Replica> {
  const log = createLogger("cell-replica");
  const db = createDatabase({ connectionString: config.databaseUrl, schema: config.schema, poolSize: 8 });
  const tenants = tenantDirectory(db.pool);
  const callerDeps = { routerSigningKey: config.routerSigningKey, keys: keySet({ jwks: config.jwks }), tenants };
  const publisher = new Redis(config.redisUrl, { lazyConnect: false });
  const subscriber = publisher.duplicate();

  const webhooks = createPaymentWebhookHandlers({
    db,
    tenants,
    routerSigningKey: config.routerSigningKey,
    config: parsePaymentConfig(config.payments),
    log,
    onPayment: (p) => realtime.publisher.paymentRecorded(p),
  });

  // Sales entry as the cell's createOrder mutation does it: the caller's tenant transaction, then
  // the real-time push once the order has committed.
  async function orders(request: Request): Promise<Response> {
    const caller = await identifyCaller(request.headers, callerDeps);
    const json = (await request.json()) as Omit<OrderRequest, "orderedAt"> & { orderedAt?: string };
    // JSON carries the time as a string; the mutation's DateTime scalar hands createOrder a Date.
    const body: OrderRequest = { ...json, orderedAt: json.orderedAt === undefined ? undefined : new Date(json.orderedAt) };
    try {
      const created = await db.sql(caller.tenantId, (client) => createOrder(client, caller.tenantId, { userId: caller.userId }, body));
      if (!created.replayed) {
        await realtime.publisher.saleRecorded(caller.tenantId, { ...created, channel: body.channel, paymentMethod: body.paymentMethod });
      }
      return Response.json(created);
    } catch (error) {
      if (error instanceof OrderInputError) return Response.json({ field: error.field, message: error.message }, { status: 400 });
      throw error;
    }
  }

  const adapter = createServerAdapter(async (request: Request) => {
    const hooked = webhooks.route(request);
    if (hooked) return hooked;
    if (request.method === "POST" && new URL(request.url).pathname === "/test/orders") return orders(request);
    return new Response("not found", { status: 404 });
  });
  const server = createServer(adapter);
  // Handlers above refer to `realtime`; they run only once the server listens, after this line.
  const realtime = attachRealtime(server, { db, caller: callerDeps, log, redis: { publisher, subscriber }, maxBufferedPackets: config.maxBufferedPackets });
  await new Promise<void>((resolve) => server.listen(config.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    realtime,
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      publisher.disconnect();
      subscriber.disconnect();
      await db.close();
    },
  };
}
