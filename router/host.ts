// Turning a Host header into a tenant slug. This is the router's security boundary: a mistake
// here sends one restaurant's traffic to another's data. So the rule is narrow and refuses
// anything it does not fully understand:
//
//   <label>.<base domain>[.][:port]   compared case-insensitively
//
// where <label> is one DNS label of [a-z0-9-] (1-63 chars, no leading/trailing hyphen) that is
// not an IDNA A-label ("xn--"). Non-ASCII, percent-encoding, userinfo, IPv6 literals, nested
// labels and extra dots are refused rather than normalised, because every normalisation is a
// chance for two components to disagree about which tenant a name means.
// Written as a character loop (no regex, no URL parsing) because it runs on every request.

export type HostParse = { ok: true; slug: string } | { ok: false; reason: string };

const MAX_LABEL = 63;

/** Base domains, pre-normalised once: lower case, no leading/trailing dot. */
export class HostResolver {
  readonly #suffixes: string[];

  constructor(baseDomains: readonly string[]) {
    if (baseDomains.length === 0) throw new Error("HostResolver: at least one base domain is required");
    this.#suffixes = baseDomains.map((domain) => {
      const d = domain.trim().toLowerCase().replace(/^\.+|\.+$/g, "");
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(d)) throw new Error(`HostResolver: base domain '${domain}' is not a plain ASCII domain name`);
      return "." + d;
    });
    // Longest first, so "eu.example.com" wins over "example.com" when both are configured.
    this.#suffixes.sort((a, b) => b.length - a.length);
  }

  get baseDomains(): string[] {
    return this.#suffixes.map((s) => s.slice(1));
  }

  /** Returns the tenant slug a Host header names, or why it names none. */
  resolve(host: string | undefined): HostParse {
    if (host === undefined || host.length === 0) return { ok: false, reason: "missing Host header" };
    if (host.length > 300) return { ok: false, reason: "Host header too long" };
    let end = hostEnd(host);
    if (end < 0) return { ok: false, reason: "invalid port in Host header" };
    // One trailing dot is the fully-qualified spelling of the same name; more is not a name.
    if (end > 0 && host.charCodeAt(end - 1) === 46 /* . */) end--;
    // ASCII only, checked before lower-casing: Unicode case folding maps some non-ASCII letters
    // onto ASCII ones (U+212A KELVIN SIGN lower-cases to "k"), which would let a look-alike
    // name reach a real tenant.
    for (let i = 0; i < end; i++) if (host.charCodeAt(i) > 127) return { ok: false, reason: "Host must be ASCII (IDNA names are not tenant names)" };
    const name = end === host.length ? host.toLowerCase() : host.slice(0, end).toLowerCase();
    for (const suffix of this.#suffixes) {
      if (name.length <= suffix.length || !name.endsWith(suffix)) continue;
      const labelEnd = name.length - suffix.length;
      return checkLabel(name, labelEnd);
    }
    return { ok: false, reason: "Host is not <tenant>.<base domain>" };
  }
}

/** Index where the host name ends (before ":port"), or -1 when the port part is malformed. */
function hostEnd(host: string): number {
  const colon = host.lastIndexOf(":");
  if (colon < 0) return host.length;
  const digits = host.length - colon - 1;
  if (digits < 1 || digits > 5) return -1;
  let port = 0;
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    port = port * 10 + (c - 48);
  }
  if (port < 1 || port > 65535) return -1;
  return colon;
}

function checkLabel(name: string, labelEnd: number): HostParse {
  if (labelEnd < 1 || labelEnd > MAX_LABEL) return { ok: false, reason: "tenant label must be 1-63 characters" };
  for (let i = 0; i < labelEnd; i++) {
    const c = name.charCodeAt(i);
    const alnum = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (alnum) continue;
    if (c === 45 /* - */ && i !== 0 && i !== labelEnd - 1) continue;
    return { ok: false, reason: "tenant label must be one DNS label of a-z, 0-9 and inner hyphens" };
  }
  // "xn--" labels are IDNA A-labels: a Unicode name in disguise, never a tenant slug.
  if (labelEnd >= 4 && name.charCodeAt(2) === 45 && name.charCodeAt(3) === 45) {
    return { ok: false, reason: "tenant label must not be an IDNA/reserved (??--) label" };
  }
  return { ok: true, slug: name.slice(0, labelEnd) };
}
