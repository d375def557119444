// Routes pushed in-process, for the local platform (which runs cells and the router in one
// process) and for tests. Changes reach the table synchronously.
import type { RouteSpec, RouteTable } from "../route-table.js";
import type { RouteSource } from "./route-source.js";

export class LocalRouteSource implements RouteSource {
  readonly name = "local";
  readonly #routes = new Map<string, RouteSpec>();
  #table: RouteTable | undefined;

  constructor(initial: Record<string, RouteSpec> = {}) {
    for (const [slug, spec] of Object.entries(initial)) this.#routes.set(slug, spec);
  }

  get synced(): boolean {
    return this.#table !== undefined;
  }

  set(slug: string, spec: RouteSpec): void {
    this.#routes.set(slug, { ...spec });
    this.#table?.set(slug, spec);
  }

  delete(slug: string): void {
    this.#routes.delete(slug);
    this.#table?.delete(slug);
  }

  async start(table: RouteTable): Promise<void> {
    this.#table = table;
    table.replaceAll(this.#routes);
  }

  async stop(): Promise<void> {
    this.#table = undefined;
  }
}

/** The same thing under the name the contract uses. */
export { LocalRouteSource as StaticRouteSource };
