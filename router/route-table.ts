// The route table: tenant slug → what to do with its requests. Sources (Kubernetes, a file, the
// local platform) write it; the request path only reads it with one Map lookup. Holds live here
// too, because releasing a held request must see the route exactly as the release wrote it.
import { EventEmitter } from "node:events";
import { HostResolver } from "./host.js";
import { CellUpstream, parseEndpoint, type UpstreamOptions } from "./upstream.js";

/** What a source says about one tenant (the Tenant object's spec.suspended / status.endpoint / status.hold). */
export interface RouteSpec {
  endpoint?: string;
  suspended?: boolean;
  hold?: boolean;
}

/** A request waiting for a held tenant; the table calls `release` once the hold lifts or the route goes. */
export interface HeldRequest {
  release(): void;
}

/** An open (or opening) WebSocket/Upgrade tunnel to a tenant's cell; the table ends it when the tenant leaves that cell. */
export interface TenantTunnel {
  close(): void;
}

export interface Route {
  readonly slug: string;
  spec: RouteSpec;
  /** Undefined when the tenant has no (valid) endpoint: it is unknown to clients. */
  cell: CellUpstream | undefined;
  /** Signed tenant header cache: recomputed at most once per second per tenant. */
  signedAt: number;
  signature: string;
  /** The cell whose key signed `signature`. */
  signedFor: CellUpstream | undefined;
  held: HeldRequest[] | undefined;
  /** Tunnels to the current cell; closed when the endpoint changes, the tenant is suspended or removed. */
  tunnels: Set<TenantTunnel> | undefined;
  requests: number;
  /** The end of a request head for this tenant's cell, reused while its inputs stay the same. */
  headTail: string;
  headTailHost: string;
  headTailSignature: string;
}

export interface RouteTableOptions extends UpstreamOptions {
  /** Held requests per tenant beyond which new ones are refused at once. */
  maxHeldPerTenant: number;
}

export const DEFAULT_UPSTREAM_OPTIONS: RouteTableOptions = {
  connections: 256,
  keepAliveMs: 4_000,
  connectTimeoutMs: 1_000,
  retryAfterMs: 1_000,
  maxHeldPerTenant: 1_000,
};

const slugChecker = new HostResolver(["invalid"]);

export class RouteTable extends EventEmitter<{ change: []; warning: [string] }> {
  readonly #routes = new Map<string, Route>();
  readonly #cells = new Map<string, CellUpstream>();
  readonly options: RouteTableOptions;
  /** Time (ms epoch) the table was last filled from a source or a snapshot; 0 = never. */
  loadedAt = 0;

  constructor(options: Partial<RouteTableOptions> = {}) {
    super();
    this.options = { ...DEFAULT_UPSTREAM_OPTIONS, ...options };
  }

  get(slug: string): Route | undefined {
    return this.#routes.get(slug);
  }

  get size(): number {
    return this.#routes.size;
  }

  routes(): IterableIterator<Route> {
    return this.#routes.values();
  }

  cells(): IterableIterator<CellUpstream> {
    return this.#cells.values();
  }

  /** A plain copy of every route's spec (for snapshots and tests). */
  toJSON(): Record<string, RouteSpec> {
    const out: Record<string, RouteSpec> = {};
    for (const route of this.#routes.values()) out[route.slug] = { ...route.spec };
    return out;
  }

  /** Adds or updates one tenant. Returns false (and warns) when the slug cannot be a tenant label. */
  set(slug: string, spec: RouteSpec): boolean {
    const checked = slugChecker.resolve(`${slug}.invalid`);
    if (!checked.ok || checked.slug !== slug) {
      this.emit("warning", `ignored route '${slug}': ${checked.ok ? "slug must be lower case" : checked.reason}`);
      return false;
    }
    const clean: RouteSpec = { endpoint: spec.endpoint || undefined, suspended: spec.suspended === true, hold: spec.hold === true };
    let route = this.#routes.get(slug);
    if (!route) {
      route = { slug, spec: clean, cell: undefined, signedAt: -Infinity, signature: "", signedFor: undefined, held: undefined, tunnels: undefined, requests: 0, headTail: "", headTailHost: "", headTailSignature: "" };
      this.#routes.set(slug, route);
    }
    const previousEndpoint = route.cell ? route.spec.endpoint : undefined;
    const suspending = clean.suspended && !route.spec.suspended;
    route.spec = clean;
    if (clean.endpoint !== previousEndpoint) this.#attach(route, clean.endpoint);
    // A tunnel is bound to the cell it was opened to: after a move (or a suspension) its client
    // must reconnect, through this table, to wherever the tenant is now. Hold on/off is not a move.
    if (clean.endpoint !== previousEndpoint || suspending) this.#closeTunnels(route);
    this.loadedAt = Date.now();
    if (!clean.hold) this.#release(route);
    this.emit("change");
    return true;
  }

  delete(slug: string): void {
    const route = this.#routes.get(slug);
    if (!route) return;
    this.#routes.delete(slug);
    this.#attach(route, undefined);
    this.#closeTunnels(route);
    this.#release(route);
    this.emit("change");
  }

  /** Makes the table exactly `specs`: what a full list from a source means. */
  replaceAll(specs: Record<string, RouteSpec> | Map<string, RouteSpec>): void {
    const entries = specs instanceof Map ? specs : new Map(Object.entries(specs));
    for (const slug of [...this.#routes.keys()]) if (!entries.has(slug)) this.delete(slug);
    for (const [slug, spec] of entries) this.set(slug, spec);
    this.loadedAt = Date.now();
    this.emit("change");
  }

  /** Parks a request until the tenant's hold lifts; false when the tenant already holds too many. */
  hold(route: Route, request: HeldRequest): boolean {
    const held = (route.held ??= []);
    if (held.length >= this.options.maxHeldPerTenant) return false;
    held.push(request);
    return true;
  }

  /** Forgets a held request that gave up waiting (its own deadline passed). */
  unhold(route: Route, request: HeldRequest): void {
    const held = route.held;
    if (!held) return;
    const i = held.indexOf(request);
    if (i >= 0) held.splice(i, 1);
  }

  /** Records a tunnel opened for `route`, so a later move of the tenant closes it. */
  addTunnel(route: Route, tunnel: TenantTunnel): void {
    (route.tunnels ??= new Set()).add(tunnel);
  }

  removeTunnel(route: Route, tunnel: TenantTunnel): void {
    route.tunnels?.delete(tunnel);
  }

  async close(): Promise<void> {
    for (const route of this.#routes.values()) this.#release(route);
    this.#routes.clear();
    const cells = [...this.#cells.values()];
    this.#cells.clear();
    // destroy, not close: a long-poll or stuck cell must not keep shutdown waiting.
    for (const cell of cells) cell.raw?.close();
    await Promise.all(cells.map((cell) => cell.pool.destroy().catch(() => {})));
  }

  #closeTunnels(route: Route): void {
    const tunnels = route.tunnels;
    if (!tunnels || tunnels.size === 0) return;
    route.tunnels = undefined;
    for (const tunnel of tunnels) tunnel.close();
  }

  #release(route: Route): void {
    const held = route.held;
    if (!held || held.length === 0) return;
    route.held = undefined;
    for (const request of held) request.release();
  }

  #attach(route: Route, endpoint: string | undefined): void {
    const previous = route.cell;
    route.cell = undefined;
    if (endpoint !== undefined) {
      const url = parseEndpoint(endpoint);
      if (typeof url === "string") {
        this.emit("warning", `tenant '${route.slug}' is unroutable: ${url}`);
      } else {
        let cell = this.#cells.get(url.origin);
        if (!cell) {
          cell = new CellUpstream(url, this.options);
          this.#cells.set(url.origin, cell);
        }
        cell.refs++;
        route.cell = cell;
      }
    }
    if (previous && --previous.refs === 0) {
      this.#cells.delete(previous.origin);
      // close (not destroy) lets requests already on their way to the old cell finish.
      previous.pool.close().catch(() => {});
      previous.raw?.close();
    }
  }
}
