// Shared load profiles: how many virtual users each scenario gets and for how long. Every profile
// runs the same four scenarios (dashboard reads, sales writes, payment webhooks, WebSocket
// subscribers) so one script answers "what does this cell do under X"; only the shape changes.
// LOAD_SCALE multiplies every user count (e.g. 0.5 on a small cluster, 4 on a big one).

const scale = Number(__ENV.LOAD_SCALE || 1);
const vus = (n) => Math.max(1, Math.round(n * scale));

function constant(exec, users, duration) {
  return { executor: "constant-vus", exec, vus: vus(users), duration };
}

function ramping(exec, stages) {
  return { executor: "ramping-vus", exec, startVUs: 0, stages: stages.map(([duration, target]) => ({ duration, target: vus(target) })), gracefulRampDown: "5s" };
}

// Subscribers hold one socket for SUBSCRIBE_SECONDS per iteration, so they need no ramp of their own.
export const PROFILES = {
  // A few users for a few seconds: proves the path works end to end; what CI runs.
  // SMOKE_DURATION shortens it further (the threshold-crossing test needs only a few requests).
  smoke: {
    reads: constant("dashboardReads", 2, __ENV.SMOKE_DURATION || "15s"),
    writes: constant("salesWrites", 1, __ENV.SMOKE_DURATION || "15s"),
    webhooks: constant("paymentWebhooks", 1, __ENV.SMOKE_DURATION || "15s"),
    subscribers: constant("subscribers", 2, __ENV.SMOKE_DURATION || "15s"),
  },
  // Typical lunch rush of one busy tenant.
  load: {
    reads: ramping("dashboardReads", [["30s", 20], ["2m", 20], ["15s", 0]]),
    writes: ramping("salesWrites", [["30s", 10], ["2m", 10], ["15s", 0]]),
    webhooks: ramping("paymentWebhooks", [["30s", 5], ["2m", 5], ["15s", 0]]),
    subscribers: constant("subscribers", 20, "2m45s"),
  },
  // Past the expected peak, to find where objectives break.
  stress: {
    reads: ramping("dashboardReads", [["1m", 50], ["2m", 100], ["1m", 100], ["30s", 0]]),
    writes: ramping("salesWrites", [["1m", 20], ["2m", 40], ["1m", 40], ["30s", 0]]),
    webhooks: ramping("paymentWebhooks", [["1m", 10], ["2m", 20], ["1m", 20], ["30s", 0]]),
    subscribers: constant("subscribers", 50, "4m30s"),
  },
  // A sudden burst (a promotion going live) and the recovery after it.
  spike: {
    reads: ramping("dashboardReads", [["20s", 5], ["10s", 150], ["40s", 150], ["10s", 5], ["30s", 5]]),
    writes: ramping("salesWrites", [["20s", 2], ["10s", 60], ["40s", 60], ["10s", 2], ["30s", 2]]),
    webhooks: ramping("paymentWebhooks", [["20s", 1], ["10s", 20], ["40s", 20], ["10s", 1], ["30s", 1]]),
    subscribers: constant("subscribers", 20, "1m50s"),
  },
  // Moderate load for a long time: leaks (memory, sockets, pool connections) show here.
  soak: {
    reads: constant("dashboardReads", 10, "1h"),
    writes: constant("salesWrites", 5, "1h"),
    webhooks: constant("paymentWebhooks", 2, "1h"),
    subscribers: constant("subscribers", 10, "1h"),
  },
};

/** The scenarios of a profile, without webhooks when the target has no MoMo account configured. */
export function scenarios(name, { webhooks }) {
  const profile = PROFILES[name];
  if (!profile) throw new Error(`PROFILE: unknown profile '${name}'; choose one of ${Object.keys(PROFILES).join(", ")}`);
  const chosen = { ...profile };
  if (!webhooks) delete chosen.webhooks;
  return chosen;
}
