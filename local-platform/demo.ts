// Demo tenants for a first start: the manifests in examples/ (two shared-cell restaurants and a
// chain with a dedicated cell), and a year of real sales history for the chain's first branch,
// from the development data set with its dates moved to end yesterday (whole weeks, so weekdays
// keep their pattern) and its USD prices turned into đồng.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseAllDocuments } from "yaml";

const ROOT = resolve(import.meta.dirname, "..");
export const DEMO_HISTORY_SOURCE = resolve(ROOT, "..", "shared", "data", "pizza_sales.csv");
export const USD_TO_VND = 25_000;

/** The Tenant manifests of examples/ (Cells are created by placement, as in a cluster). */
export function demoTenants(): Record<string, unknown>[] {
  const dir = join(ROOT, "examples");
  const docs: Record<string, unknown>[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith("tenant-") && f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const value = doc.toJS() as Record<string, unknown> | null;
      if (value?.kind === "Tenant") docs.push(value);
    }
  }
  return docs;
}

function parseDay(text: string): Date | undefined {
  const m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(text.trim());
  if (!m) return undefined;
  // Day first in both spellings: order ids show 2/1/2015 falls between 1 and 13 January.
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return new Date(Date.UTC(year, month - 1, day));
}

/**
 * Writes a copy of the data set whose last day is yesterday (shifted by whole weeks) with ISO
 * dates; the importer then reads it like any POS export. Returns undefined when the data set is
 * not on this machine.
 */
export async function shiftedHistory(outDir: string, now = new Date()): Promise<string | undefined> {
  if (!existsSync(DEMO_HISTORY_SOURCE)) return undefined;
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, "demo-history.csv");
  const lastDay = Date.UTC(2015, 11, 31);
  const yesterday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1);
  const shiftDays = Math.floor((yesterday - lastDay) / 86_400_000 / 7) * 7;
  const writer = createWriteStream(out);
  let header = true;
  for await (const raw of createInterface({ input: createReadStream(DEMO_HISTORY_SOURCE, "utf8"), crlfDelay: Infinity })) {
    const line = raw.replace(/^\uFEFF/, "");
    if (header) {
      writer.write(`${line}\n`);
      header = false;
      continue;
    }
    const cells = line.split(";");
    const day = cells[4] ? parseDay(cells[4]) : undefined;
    if (day) cells[4] = new Date(day.getTime() + shiftDays * 86_400_000).toISOString().slice(0, 10);
    writer.write(`${cells.join(";")}\n`);
  }
  await new Promise<void>((r, j) => writer.end((e?: Error | null) => (e ? j(e) : r())));
  return out;
}
