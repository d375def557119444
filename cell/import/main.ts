// CLI: npm run import:sales -- --file sales.csv --tenant pho-bo-hanoi --location "Hoàn Kiếm" ...
import { Command, InvalidArgumentError, Option } from "commander";
import pg from "pg";
import { ImportError, importSales, type ImportReport } from "./importer.js";
import { FIELDS, MappingError } from "./mapping.js";
import { writeFileSync } from "node:fs";
import { Redis } from "ioredis";
import { createLogger, surviveDisconnects } from "../../common/index.js";
import { redisDashboardCache } from "../dashboards/index.js";

function positiveInt(name: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return Number(value);
  };
}

const program = new Command()
  .name("import:sales")
  .description("Import historical sales from a POS CSV export into one location of a tenant.\nRe-running the same file imports nothing twice; bad lines are reported and skipped.")
  .requiredOption("-f, --file <path>", "CSV file (any of ; , tab | as delimiter, optional UTF-8 BOM)")
  .requiredOption("-t, --tenant <slug>", "tenant slug, e.g. pho-bo-hanoi")
  .requiredOption("-l, --location <name-or-id>", "location name or id within the tenant")
  .option("--map <field=column,...>", `column for each field whose header is not recognised; fields: ${FIELDS.join(", ")}`)
  .option("--dry-run", "read and check everything, report what would be imported, write nothing", false)
  .option("--price-multiplier <n>", "multiply prices by n to get whole VND (e.g. 1000 for prices in thousands)", positiveInt("--price-multiplier"), 1)
  .addOption(new Option("--date-order <order>", "day/month order of dates that are not year-first").choices(["auto", "dmy", "mdy", "ymd"]).default("auto"))
  .addOption(new Option("--decimal <mark>", "decimal mark of prices").choices(["auto", ",", "."]).default("auto"))
  .addOption(new Option("--delimiter <char>", "field delimiter").choices(["auto", ";", ",", "tab", "|"]).default("auto"))
  .addOption(new Option("--channel <channel>", "sales channel recorded for imported orders").choices(["dine_in", "takeaway", "delivery"]).default("dine_in"))
  .addOption(new Option("--payment-method <method>", "payment method recorded for imported orders").choices(["cash", "card", "momo", "zalopay", "vnpay", "bank_transfer"]).default("cash"))
  .option("--rejects <path>", "write every rejected line (line,reason) to this CSV file")
  .option("--batch-size <n>", "orders per transaction", positiveInt("--batch-size"), 1000)
  .addOption(new Option("--database-url <url>", "Postgres connection string (the cell's API role or the platform admin)").env("DATABASE_URL"))
  .addOption(new Option("--schema <schema>", "the cell's schema, e.g. cell_shared_1").env("CELL_SCHEMA"))
  .addOption(new Option("--redis-url <url>", "the cell's Redis: its cached dashboards of the location are invalidated after the import (otherwise they expire within 60 s)").env("REDIS_URL"))
  .addHelpText("after", `
Example (the development data set: ';' delimiter, decimal comma, mixed day-first dates, USD prices):
  npm run import:sales -- --file ../shared/data/pizza_sales.csv --tenant pizza-demo --location Main \\
    --map item=pizza_name_id --price-multiplier 1000 --schema cell_shared_1 --database-url postgres://...

Progress goes to stderr; the report (JSON) to stdout. Exit status 0 when the run completed (even
with rejected lines), 1 when it could not run (bad options, unknown tenant/location, database).`);

program.parse();
const o = program.opts<{
  file: string; tenant: string; location: string; map?: string; dryRun: boolean; priceMultiplier: number; dateOrder: "auto" | "dmy" | "mdy" | "ymd";
  decimal: "auto" | "," | "."; delimiter: string; channel: "dine_in" | "takeaway" | "delivery"; paymentMethod: "cash" | "card" | "momo" | "zalopay" | "vnpay" | "bank_transfer";
  rejects?: string; batchSize: number; databaseUrl?: string; schema?: string; redisUrl?: string;
}>();
if (!o.databaseUrl) program.error("error: --database-url (or DATABASE_URL) is required");
if (!o.schema) program.error("error: --schema (or CELL_SCHEMA) is required");

const pool = surviveDisconnects(new pg.Pool({ connectionString: o.databaseUrl, max: 2 }));
try {
  const report: ImportReport = await importSales({
    file: o.file,
    pool,
    schema: o.schema!,
    tenant: o.tenant,
    location: o.location,
    map: o.map,
    dryRun: o.dryRun,
    priceMultiplier: o.priceMultiplier,
    dateOrder: o.dateOrder,
    decimalMark: o.decimal,
    delimiter: o.delimiter === "tab" ? "\t" : o.delimiter,
    channel: o.channel,
    paymentMethod: o.paymentMethod,
    batchSize: o.batchSize,
    onProgress: (p) => {
      const pct = p.totalBytes ? Math.round((100 * p.bytesRead) / p.totalBytes) : 100;
      process.stderr.write(`\r${pct}%  ${p.lines.toLocaleString("en")} lines  ${p.ordersImported.toLocaleString("en")} orders${o.dryRun ? " (dry run)" : ""}  ${p.rejected} rejected   `);
    },
  });
  process.stderr.write("\n");
  if (o.redisUrl && !report.dryRun && report.ordersImported > 0) await invalidateDashboards(o.redisUrl, o.schema!, report.locationId);
  if (o.rejects) writeFileSync(o.rejects, ["line,reason", ...report.rejected.map((r) => `${r.line},"${r.reason.replaceAll('"', '""')}"`)].join("\n") + "\n");
  const shown = report.rejected.slice(0, 20);
  for (const r of shown) process.stderr.write(`line ${r.line}: ${r.reason}\n`);
  if (report.rejected.length > shown.length) process.stderr.write(`... and ${report.rejected.length - shown.length} more rejected lines${o.rejects ? ` (all in ${o.rejects})` : " (pass --rejects <file> for all)"}\n`);
  process.stdout.write(JSON.stringify({ ...report, rejected: report.rejected.length, linesPerSecond: Math.round(report.lines / report.seconds) }, null, 2) + "\n");
} catch (error) {
  if (error instanceof ImportError || error instanceof MappingError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  } else throw error;
} finally {
  await pool.end();
}

/** The cell API caches dashboards per location under its schema's namespace (cell/dashboards). */
async function invalidateDashboards(url: string, schema: string, locationId: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    await redisDashboardCache(redis, schema, createLogger("import")).invalidate([locationId]);
  } catch (error) {
    process.stderr.write(`warning: could not invalidate cached dashboards (${(error as Error).message}); they expire within 60 s\n`);
  } finally {
    redis.disconnect();
  }
}
