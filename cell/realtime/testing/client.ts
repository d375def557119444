// A socket.io client as a dashboard uses it: subscribes to its locations on every (re)connect,
// because rooms belong to a connection and a reconnected socket starts with none.
import { io, type Socket } from "socket.io-client";
import type { PaymentEvent, SaleEvent } from "../events.js";
import type { SubscribeReply } from "../socket-server.js";

export interface RealtimeClientOptions {
  url: string;
  token: string;
  /** Router headers (x-lsp-tenant + signature). */
  headers: Record<string, string>;
  locations: string[];
}

export interface RealtimeClient {
  socket: Socket;
  sales: SaleEvent[];
  payments: PaymentEvent[];
  /** Replies to the subscriptions of the latest (re)connect. */
  subscribed: Promise<SubscribeReply[]>;
  /** Resolves with the next event matching `predicate` (or rejects after `timeoutMs`). */
  next(predicate: (e: SaleEvent | PaymentEvent) => boolean, timeoutMs?: number): Promise<SaleEvent | PaymentEvent>;
  close(): void;
}

export function connectRealtimeClient(options: RealtimeClientOptions): RealtimeClient {
  const socket = io(options.url, {
    transports: ["websocket"],
    extraHeaders: options.headers,
    auth: { token: options.token },
    reconnectionDelay: 50,
    reconnectionDelayMax: 500,
  });
  const sales: SaleEvent[] = [];
  const payments: PaymentEvent[] = [];
  const waiters = new Set<(e: SaleEvent | PaymentEvent) => void>();
  let resolveSubscribed!: (r: Promise<SubscribeReply[]>) => void;
  const client: RealtimeClient = {
    socket,
    sales,
    payments,
    subscribed: new Promise((r) => (resolveSubscribed = r)),
    next(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (e: SaleEvent | PaymentEvent) => {
          if (!predicate(e)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(e);
        };
        waiters.add(check);
      });
    },
    close: () => socket.close(),
  };
  socket.on("connect", () => {
    const replies = Promise.all(options.locations.map((locationId) => socket.emitWithAck("subscribe", { locationId }) as Promise<SubscribeReply>));
    resolveSubscribed(replies);
    client.subscribed = replies;
  });
  socket.on("sale", (e: SaleEvent) => {
    sales.push(e);
    for (const w of [...waiters]) w(e);
  });
  socket.on("payment", (e: PaymentEvent) => {
    payments.push(e);
    for (const w of [...waiters]) w(e);
  });
  return client;
}
