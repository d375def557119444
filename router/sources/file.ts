// Routes from a JSON file ({"routes": {"<slug>": {"endpoint": "...", "suspended": false, "hold": false}}}),
// re-read when it changes. For running the router without Kubernetes (demos, the benchmark).
import { readFileSync, unwatchFile, watchFile, existsSync } from "node:fs";
import { z } from "zod";
import type { Logger } from "../../common/index.js";
import type { RouteTable } from "../route-table.js";
import type { RouteSource } from "./route-source.js";

const RoutesFile = z.object({
  routes: z.record(z.string(), z.object({ endpoint: z.string().optional(), suspended: z.boolean().optional(), hold: z.boolean().optional() })),
});

export class FileRouteSource implements RouteSource {
  readonly name = "file";
  #synced = false;
  #table: RouteTable | undefined;
  readonly #onChange = () => this.#load();

  constructor(
    readonly file: string,
    readonly log: Logger,
    readonly pollMs = 250,
  ) {}

  get synced(): boolean {
    return this.#synced;
  }

  async start(table: RouteTable): Promise<void> {
    this.#table = table;
    if (!existsSync(this.file)) throw new Error(`routes file ${this.file} does not exist`);
    this.#load(true);
    watchFile(this.file, { interval: this.pollMs, persistent: false }, this.#onChange);
  }

  async stop(): Promise<void> {
    unwatchFile(this.file, this.#onChange);
    this.#table = undefined;
  }

  #load(throwOnError = false): void {
    try {
      const parsed = RoutesFile.safeParse(JSON.parse(readFileSync(this.file, "utf8")));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new Error(`routes file ${this.file} is invalid at '${issue.path.join(".")}': ${issue.message}`);
      }
      this.#table?.replaceAll(parsed.data.routes);
      this.#synced = true;
    } catch (error) {
      if (throwOnError) throw error;
      // A half-written file must not wipe the table; keep the last good routes.
      this.log.error({ file: this.file, err: (error as Error).message }, "Ignored unreadable routes file");
    }
  }
}
