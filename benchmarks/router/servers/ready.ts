// Shared by the benchmark's server processes: routes file loading and the READY handshake.
import { readFileSync } from "node:fs";
import type { AddressInfo, Server } from "node:net";

/** host name → upstream base URL, from the router's routes file (the same table every contender uses). */
export function loadHostTable(file: string, domain: string): Map<string, string> {
  const { routes } = JSON.parse(readFileSync(file, "utf8")) as { routes: Record<string, { endpoint: string }> };
  return new Map(Object.entries(routes).map(([slug, r]) => [`${slug}.${domain}`, r.endpoint]));
}

/** Host header → table key the way every contender must: lower case, port stripped. */
export function hostKey(host: string | undefined): string {
  if (host === undefined) return "";
  const colon = host.indexOf(":");
  return (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
}

export function announce(server: Server): void {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
}

export function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}
