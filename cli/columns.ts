// Table output like `kubectl get`: the CRD's additionalPrinterColumns, evaluated with the small
// JSONPath subset they use (`.a.b`, `.a[?(@.k=="v")].f`), and kubectl's age format.
import { crds } from "../operator/api/v1alpha1/crds.js";

export interface Column {
  name: string;
  jsonPath: string;
  type: string;
  priority?: number;
}

export function columnsFor(kind: string, wide: boolean): Column[] {
  const crd = crds.find((c) => c.spec.names.kind === kind);
  const columns = (crd?.spec.versions[0]?.additionalPrinterColumns ?? []) as Column[];
  return columns.filter((c) => wide || !c.priority);
}

/** One path step: a name, optionally followed by a [?(@.key=="value")] filter (whose dots are not separators). */
const SEGMENT = /[A-Za-z0-9_]+(?:\[\?\(@\.[A-Za-z0-9_]+=="[^"]*"\)\])?/g;
const FILTER = /^([A-Za-z0-9_]+)\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]$/;

export function evaluatePath(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const part of path.replace(/^\./, "").match(SEGMENT) ?? []) {
    if (current === undefined || current === null) return undefined;
    const filter = FILTER.exec(part);
    if (filter) {
      const list = (current as Record<string, unknown>)[filter[1]!];
      current = Array.isArray(list) ? list.find((item) => String((item as Record<string, unknown>)?.[filter[2]!]) === filter[3]) : undefined;
    } else {
      current = (current as Record<string, unknown>)[part];
    }
  }
  return current;
}

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration): 45s, 5m7s, 12m, 3h20m, 30h, 3d4h, 400d, 3y2d. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return "<unknown>";
  const seconds = Math.floor((now - Date.parse(since)) / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const with2 = (a: number, unitA: string, b: number, unitB: string) => (b === 0 ? `${a}${unitA}` : `${a}${unitA}${b}${unitB}`);
  if (minutes < 10) return with2(minutes, "m", seconds % 60, "s");
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return with2(hours, "h", minutes % 60, "m");
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return with2(days, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return with2(years, "y", days % 365, "d");
  return `${years}y`;
}

export function renderTable(kind: string, objects: Record<string, unknown>[], wide: boolean, now = Date.now()): string {
  const columns = columnsFor(kind, wide);
  const header = ["NAME", ...columns.map((c) => c.name.toUpperCase())];
  const rows = objects.map((o) => [
    String((o.metadata as { name?: string })?.name ?? ""),
    ...columns.map((c) => {
      const value = evaluatePath(o, c.jsonPath);
      if (c.type === "date") return age(value as string | undefined, now);
      return value === undefined || value === null || value === "" ? "<none>" : String(value);
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join("").trimEnd()).join("\n");
}
