// Each cell gets keys of its own, derived from the platform's two master keys, so that one leaked
// cell Secret opens only that cell. The router (which signs the x-lsp-tenant header) and the
// billing sync (which reads usage feeds) hold the masters and derive a cell's key from the
// endpoint they are about to call; the operator derives the same keys from the endpoint it
// publishes and writes only those into the cell's Secret. A cell's key cannot be turned back into
// the master or into another cell's key (HMAC-SHA256 is a PRF), so a cell that leaks its key can
// forge the header, or read the feed, of itself alone.
import { createHmac } from "node:crypto";

/** What a derived key is for: one master never yields the same key for both jobs. */
export type CellKeyPurpose = "router-signing" | "platform";

/**
 * The key of the cell served at `endpoint` (a URL; only its origin counts, so a path or a
 * trailing slash does not change the key) for `purpose`: 43 base64url characters.
 */
export function deriveCellKey(masterKey: string | Buffer, purpose: CellKeyPurpose, endpoint: string): string {
  return createHmac("sha256", masterKey).update(`lsp cell key v1\n${purpose}\n${cellKeyOrigin(endpoint)}`).digest("base64url");
}

/** The part of a cell endpoint its keys are bound to: scheme, host and port, lower-cased by URL. */
export function cellKeyOrigin(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`cell keys: endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`cell keys: endpoint ${JSON.stringify(endpoint)} is not http(s)`);
  return url.origin;
}
