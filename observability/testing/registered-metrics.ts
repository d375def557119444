// Which metrics the platform's code really registers, for tests of what queries them (the
// dashboards, the chart's alerts): a renamed metric must break those tests, not a panel or an alert.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..", "..");
/** Every file that registers metrics, one per component (the billing sync's usage metrics included). */
const METRIC_SOURCES = ["router/metrics.ts", "cell/server/observability.ts", "control-plane/http/metrics.ts", "control-plane/usage/metrics.ts", "operator/runtime/metrics.ts", "ml/metrics.ts"]
  .map((f) => readFileSync(join(ROOT, f), "utf8"))
  .join("\n");

/** prom-client's default metrics exist under the prefix the component gave collectDefaultMetrics. */
export function isDefaultMetric(name: string): boolean {
  const match = /^(.*?)(process_|nodejs_)/.exec(name);
  if (!match) return false;
  return match[1] === "" ? /collectDefaultMetrics\(\{ register: registry \}\)/.test(METRIC_SOURCES) : METRIC_SOURCES.includes(`prefix: "${match[1]}"`);
}

/** A metric some component registers by that name, or one of prom-client's defaults it collects. */
export function isRegisteredMetric(name: string): boolean {
  return isDefaultMetric(name) || METRIC_SOURCES.includes(`"${name}"`);
}
