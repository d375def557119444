// Small helpers for the REST endpoints: bounded JSON bodies and one error shape,
// { error: { code, message, field?, retryAfterSeconds?, attemptsLeft? } }.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ControlPlaneError } from "../identity/errors.js";

const MAX_BODY_BYTES = 16 * 1024;

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!type.startsWith("application/json")) throw new ControlPlaneError("BAD_REQUEST", "send a JSON body with Content-Type: application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ControlPlaneError("BAD_REQUEST", `request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new ControlPlaneError("BAD_REQUEST", `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ControlPlaneError("BAD_REQUEST", "request body must be a JSON object");
  return body as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") throw new ControlPlaneError("BAD_REQUEST", `'${field}' is required and must be a string`, { field });
  return value;
}

/** An optional string: absent, null or empty means not given; anything but a string is refused. */
export function optionalStringField(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ControlPlaneError("BAD_REQUEST", `'${field}' must be a string when given`, { field });
  return value;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: ControlPlaneError): void {
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (error.details.retryAfterSeconds) headers["retry-after"] = String(error.details.retryAfterSeconds);
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...error.details } }, headers);
}
