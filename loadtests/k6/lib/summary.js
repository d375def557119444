// The end-of-run report: a short table of the objectives on stdout and the full k6 summary as
// JSON in RESULT_FILE (the npm runner keeps it under loadtests/results/).

const ROWS = [
  ["cached reads p95", "http_req_duration{read:cached}", "p(95)", "ms"],
  ["uncached reads p95", "http_req_duration{read:uncached}", "p(95)", "ms"],
  ["createOrder p95", "http_req_duration{op:createOrder}", "p(95)", "ms"],
  ["MoMo IPN p95", "http_req_duration{op:momoIpn}", "p(95)", "ms"],
  ["WebSocket delivery p95", "ws_delivery_ms", "p(95)", "ms"],
  ["WebSocket delivery p50", "ws_delivery_ms", "med", "ms"],
  ["sale sent -> on screen p95", "ws_sale_to_screen_ms", "p(95)", "ms"],
  ["sales received by subscribers", "ws_sales_received", "count", ""],
  ["HTTP requests", "http_reqs", "count", ""],
  ["HTTP request rate", "http_reqs", "rate", "/s"],
  ["HTTP failures", "http_req_failed", "rate", "%"],
  ["GraphQL errors", "graphql_errors", "rate", "%"],
  ["checks passed", "checks", "rate", "%"],
];

function format(value, unit) {
  if (value === undefined) return "n/a";
  if (unit === "%") return `${(value * 100).toFixed(3)}%`;
  if (unit === "ms") return `${value.toFixed(1)} ms`;
  if (unit === "/s") return `${value.toFixed(1)}/s`;
  return String(value);
}

export function summarize(data, { profile, target, webhooks, resultFile }) {
  const lines = [`\nLSP load test: profile ${profile} against ${target}${webhooks ? "" : " (no MoMo account: webhooks skipped)"}`];
  for (const [label, metric, stat, unit] of ROWS) {
    const m = data.metrics[metric];
    if (!m) continue;
    const verdicts = Object.entries(m.thresholds || {}).map(([rule, r]) => `${r.ok ? "ok" : "FAILED"} ${rule}`);
    lines.push(`  ${label.padEnd(32)} ${format(m.values[stat], unit).padStart(12)}  ${verdicts.join(", ")}`);
  }
  const failed = Object.entries(data.metrics).flatMap(([name, m]) => Object.entries(m.thresholds || {}).filter(([, r]) => !r.ok).map(([rule]) => `${name} ${rule}`));
  lines.push(failed.length ? `  THRESHOLDS FAILED: ${failed.join("; ")}` : "  all thresholds passed");
  if (__ENV.THRESHOLD_SCALE && __ENV.THRESHOLD_SCALE !== "1") lines.push(`  note: latency objectives loosened x${__ENV.THRESHOLD_SCALE} (THRESHOLD_SCALE)`);
  const out = { stdout: `${lines.join("\n")}\n\n` };
  if (resultFile) out[resultFile] = JSON.stringify({ profile, target, webhooks, finishedAt: new Date().toISOString(), ...data }, null, 2);
  return out;
}
