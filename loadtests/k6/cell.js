// Load on one tenant of one cell, through the router: dashboard reads, sales writes, MoMo payment
// webhooks and WebSocket subscribers timing the delivery of each sale. Run it with
// `npm run loadtest -- --help` (which fills in the environment), or by hand:
//   PROFILE=smoke TARGET_URL=http://pho.localhost:8080 ACCESS_TOKEN=... LOCATION_ID=... \
//   MENU_ITEM_ID=... k6 run loadtests/k6/cell.js
import { check, sleep } from "k6";
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";
import { graphql } from "./lib/graphql.js";
import { momoIpn } from "./lib/momo.js";
import { scenarios } from "./lib/profiles.js";
import { subscribe } from "./lib/socketio.js";
import { readTarget } from "./lib/target.js";
import { thresholds } from "./lib/thresholds.js";
import { summarize } from "./lib/summary.js";

const target = readTarget();
const webhooks = target.momo !== undefined;

export const options = {
  scenarios: scenarios(target.profile, { webhooks }),
  thresholds: thresholds({ webhooks, impossible: __ENV.IMPOSSIBLE_THRESHOLD === "1" }),
  // Tenants live at <slug>.localhost on the local platform; Go's resolver does not know that name.
  hosts: { "*.localhost": "127.0.0.1" },
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
  tags: { profile: target.profile },
};

const wsDelivery = new Trend("ws_delivery_ms", true);
const wsSaleToScreen = new Trend("ws_sale_to_screen_ms", true);
const wsConnectFailed = new Rate("ws_connect_failed");
const salesReceived = new Counter("ws_sales_received");

const DASHBOARD = `query($id: ID!) { location(id: $id) { id todayRevenue todayOrders topItems(limit: 5) { item { name } quantity revenue } } }`;
const ORDERS = `query($id: ID!) { orders(locationId: $id, first: 20) { edges { node { id totalVnd orderedAt } } } }`;
const CREATE_ORDER = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { orderId totalVnd orderedAt } }`;

// A cell that just started compiles its hot paths on the first requests; the objectives are
// about a warm cell, so a few calls tagged op: warmup (outside every objective) go first.
export function setup() {
  for (let i = 0; i < 10; i++) graphql(target, DASHBOARD, { id: target.locationId }, { op: "warmup" });
  for (let i = 0; i < 3; i++) graphql(target, ORDERS, { id: target.locationId }, { op: "warmup" });
  for (let i = 0; i < 5; i++) createOrder("CASH", "warmup");
}

export function dashboardReads() {
  graphql(target, DASHBOARD, { id: target.locationId }, { op: "dashboard", read: "cached" });
  graphql(target, ORDERS, { id: target.locationId }, { op: "orders", read: "uncached" });
  sleep(0.5);
}

// Per VU (k6 runs each VU in its own runtime); __ITER does not exist in setup().
let sequence = 0;

function createOrder(paymentMethod, op = "createOrder") {
  sequence++;
  // orderedAt doubles as the send time: subscribers time delivery against it (same k6 clock).
  const input = {
    locationId: target.locationId,
    idempotencyKey: `k6-${__VU}-${sequence}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    channel: "DINE_IN",
    paymentMethod,
    orderedAt: new Date().toISOString(),
    lines: [{ menuItemId: target.menuItemId, quantity: 1 + (sequence % 3) }],
  };
  const data = graphql(target, CREATE_ORDER, { input }, { op });
  return data ? data.createOrder : undefined;
}

export function salesWrites() {
  createOrder("CASH");
  sleep(1);
}

export function paymentWebhooks() {
  const order = createOrder("MOMO");
  if (!order) return;
  const res = http.post(`${target.baseUrl}/webhooks/momo/ipn`, momoIpn(target.momo, order.orderId, Number(order.totalVnd)), {
    headers: { "content-type": "application/json" },
    tags: { op: "momoIpn" },
  });
  // MoMo counts anything but 204 as undelivered and retries.
  check(res, { "momoIpn: 204": (r) => r.status === 204 }, { op: "momoIpn" });
  sleep(1);
}

export function subscribers() {
  let subscribed = false;
  subscribe(target, {
    seconds: target.subscribeSeconds,
    onSubscribed: () => {
      subscribed = true;
      wsConnectFailed.add(false);
    },
    onSale: (sale) => {
      const now = Date.now();
      salesReceived.add(1);
      // publishedAt is the cell's clock: exact locally, off by the clock skew (NTP: ~ms) in a cluster.
      wsDelivery.add(now - sale.publishedAt);
      wsSaleToScreen.add(now - Date.parse(sale.orderedAt));
    },
    onError: (message) => {
      if (!subscribed) wsConnectFailed.add(true);
      console.warn(`subscriber: ${message}`);
    },
  });
}

export function handleSummary(data) {
  return summarize(data, { profile: target.profile, target: target.baseUrl, webhooks, resultFile: __ENV.RESULT_FILE });
}
