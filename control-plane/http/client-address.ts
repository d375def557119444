// The address the per-IP sign-in limits count against.
// - Behind a proxy (trustProxy): the rightmost X-Forwarded-For entry, the one the nearest proxy
//   (our ingress or router) added. Entries left of it are whatever the client sent: taking the
//   leftmost would let a client pick a fresh key for every request and escape the limits.
// - IPv6: the /64, not the address. One subscriber usually holds a whole /64, so counting per
//   address would hand a single client 2^64 keys.
import { isIPv6 } from "node:net";
import type { IncomingMessage } from "node:http";

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  let address = req.socket.remoteAddress ?? "unknown";
  if (trustProxy) {
    const header = req.headers["x-forwarded-for"];
    const entries = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
    const nearest = entries[entries.length - 1]?.trim();
    if (nearest) address = nearest;
  }
  return rateKey(address);
}

/** IPv4 (also IPv4-mapped IPv6) as is; IPv6 as its /64 prefix, e.g. "2001:db8:0:1::/64". */
export function rateKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head, tail] = address.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
