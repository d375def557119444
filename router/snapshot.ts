// The last good route table on disk, so a restarted router serves traffic even while its
// source (the Kubernetes API) is down. Written atomically (temp file + rename) a moment after
// changes settle, read once at start. A corrupt or foreign file is refused as a whole, never
// half-used (the router logs it and starts from its source).
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { Logger } from "../common/index.js";
import type { RouteSpec, RouteTable } from "./route-table.js";

const SnapshotFile = z.object({
  kind: z.literal("lsp-router-routes"),
  version: z.literal(1),
  savedAt: z.string(),
  routes: z.record(z.string(), z.object({ endpoint: z.string().optional(), suspended: z.boolean().optional(), hold: z.boolean().optional() })),
});

export function readSnapshot(file: string): { savedAt: string; routes: Record<string, RouteSpec> } | undefined {
  if (!existsSync(file)) return undefined;
  const raw = readFileSync(file, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`route snapshot ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = SnapshotFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`route snapshot ${file} is invalid at '${issue.path.join(".")}': ${issue.message}`);
  }
  return { savedAt: parsed.data.savedAt, routes: parsed.data.routes };
}

export function writeSnapshot(file: string, routes: Record<string, RouteSpec>): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // Flushed before the rename: after a power loss the file is the old table or the new one, never
  // an empty or partial one that a restarted router would refuse.
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, JSON.stringify({ kind: "lsp-router-routes", version: 1, savedAt: new Date().toISOString(), routes }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Writes the table to `file` at most every `delayMs` while it changes, and once more on stop. */
export class SnapshotWriter {
  #timer: NodeJS.Timeout | undefined;
  readonly #onChange = () => this.#schedule();

  constructor(
    readonly file: string,
    readonly table: RouteTable,
    readonly log: Logger,
    readonly delayMs = 200,
  ) {}

  start(): void {
    this.table.on("change", this.#onChange);
  }

  stop(): void {
    this.table.off("change", this.#onChange);
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.flush();
    }
  }

  flush(): void {
    try {
      writeSnapshot(this.file, this.table.toJSON());
    } catch (error) {
      // Serving traffic matters more than the snapshot; say so and keep going.
      this.log.error({ file: this.file, err: (error as Error).message }, "Failed to write route snapshot");
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.delayMs);
    this.#timer.unref();
  }
}
