// The README's start command lands here (scripts/start → npx tsx local-platform/main.ts).
// Until the local platform (issue 5) is assembled, it says honestly what it will start and
// which parts exist, instead of pretending.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

const parts: { name: string; entry: string; role: string }[] = [
  { name: "Postgres", entry: "scripts/services/postgres.ts", role: "embedded PostgreSQL 18, data kept in .lsp/data" },
  { name: "Redis", entry: "scripts/services/redis.ts", role: "Debian redis-server on a free loopback port" },
  { name: "control plane", entry: "control-plane/index.ts", role: "phone OTP login, JWKS, signup, staff invites on app.localhost:8080" },
  { name: "operator (local mode)", entry: "operator/index.ts", role: "places tenants into cells and provisions each cell as local processes" },
  { name: "cell API", entry: "cell/index.ts", role: "GraphQL, dashboards, real-time, payment webhooks per cell" },
  { name: "ML pod", entry: "ml/index.ts", role: "forecasts and recommendations over gRPC per cell" },
  { name: "router", entry: "router/index.ts", role: "{tenant}.localhost:8080 → that tenant's cell" },
];

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log("usage: scripts/start\n\nStarts the whole LocalStore Platform locally (embedded Postgres, Redis, control plane, router,\ncells as local processes) with demo tenants at http://<slug>.localhost:8080.");
  process.exit(0);
}

console.log("LocalStore Platform — local start\n");
for (const part of parts) {
  const present = existsSync(join(root, part.entry));
  console.log(`  ${present ? "✔" : "·"} ${part.name.padEnd(22)} ${part.role}${present ? "" : "  (not built yet)"}`);
}
console.log("\nThe local platform is not assembled yet (issue 5): nothing was started.");
console.log("What works today: `scripts/test` runs every test against real Postgres, Redis and Kubernetes,");
console.log("and `npm run cluster:up` starts a local Kubernetes control plane.");
process.exitCode = 1;
