// A small, Kubernetes-compatible HTTP API over the local resource store, so the very clients that
// talk to a cluster — the `lsp` CLI and the control plane's Kubernetes tenant registry, both using
// @kubernetes/client-node's CustomObjectsApi — work against the local platform unchanged.
// It serves only Tenant and Cell (list, get, create, replace, merge-patch, delete) and listens on
// loopback without authentication: it is a development runtime, never exposed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ResourceConflictError, ResourceExistsError, ResourceNotFoundError, type ResourceStore } from "../store/resource-store.js";
import { admit, badRequest, kinds, type CustomObject, type KindInfo, type StatusError } from "./manifests.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalApiServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function status(code: number, reason: StatusError["reason"], message: string, info?: KindInfo, name?: string): StatusError {
  return { kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code, ...(info ? { details: { name, group: info.group, kind: info.plural } } : {}) };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body larger than 1 MiB");
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const PATH = /^\/apis\/([^/]+)\/([^/]+)\/([^/?]+)(?:\/([^/?]+))?(?:\/(status))?$/;

export function startLocalApiServer(store: ResourceStore, port = 0, host = "127.0.0.1"): Promise<LocalApiServer & { server: Server }> {
  const server = createServer((req, res) => {
    handle(store, req, res).catch((error: unknown) => {
      const e = error as Error & { code?: number };
      if (e instanceof ResourceNotFoundError) return send(res, 404, status(404, "NotFound", e.message));
      if (e instanceof ResourceConflictError) return send(res, 409, status(409, "Conflict", e.message));
      if (e instanceof ResourceExistsError) return send(res, 409, status(409, "AlreadyExists", e.message));
      if (e instanceof SyntaxError) return send(res, 400, badRequest(`the request body is not valid JSON: ${e.message}`));
      send(res, 500, status(500, "BadRequest", `internal error: ${e.message}`));
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${port} on ${host} is in use (the local API needs it; choose another with --api-port)`) : error),
    );
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${bound}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

async function handle(store: ResourceStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://local");
  if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "34", gitVersion: "v1.34.0-lsp-local", platform: "lsp/local" });
  if (url.pathname === "/healthz" || url.pathname === "/readyz") return send(res, 200, { status: "ok" });
  const match = PATH.exec(url.pathname);
  const info = match && kinds.find((k) => k.group === match[1] && k.version === match[2] && k.plural === match[3]);
  if (!match || !info) return send(res, 404, status(404, "NotFound", `the server could not find the requested resource (${req.method} ${url.pathname})`));
  const name = match[4];
  const subresource = match[5];
  const dryRun = url.searchParams.get("dryRun") === "All";

  if (req.method === "GET" && !name) {
    const items = await store.list(info.kind);
    return send(res, 200, { apiVersion: `${info.group}/${info.version}`, kind: `${info.kind}List`, metadata: { resourceVersion: "" }, items });
  }
  if (req.method === "GET" && name) {
    const object = await store.get(info.kind, name);
    return object ? send(res, 200, object) : send(res, 404, status(404, "NotFound", `${info.plural}.${info.group} "${name}" not found`, info, name));
  }
  if (req.method === "POST" && !name) {
    const result = admit(await readJson(req));
    if (!result.ok) return send(res, result.error.code, result.error);
    if (dryRun) return send(res, 201, result.object);
    return send(res, 201, await store.create(result.object));
  }
  if ((req.method === "PUT" || req.method === "PATCH") && name) {
    const current = await store.get(info.kind, name);
    if (!current) return send(res, 404, status(404, "NotFound", `${info.plural}.${info.group} "${name}" not found`, info, name));
    const body = await readJson(req);
    const desired = (req.method === "PATCH" ? mergePatch(current, body) : body) as CustomObject & { metadata: { resourceVersion?: string } };
    if (subresource === "status") {
      if (dryRun) return send(res, 200, { ...current, status: desired.status });
      return send(res, 200, await store.updateStatus(info.kind, name, (desired.status ?? {}) as Record<string, unknown>, desired.metadata?.resourceVersion));
    }
    if (desired.metadata?.name !== name) return send(res, 400, badRequest(`the name of the object (${desired.metadata?.name}) does not match the name on the URL (${name})`));
    const result = admit({ ...desired, status: undefined }, current);
    if (!result.ok) return send(res, result.error.code, result.error);
    if (dryRun) return send(res, 200, result.object);
    const updated = await store.update({ ...result.object, metadata: { ...result.object.metadata, resourceVersion: desired.metadata.resourceVersion } });
    return send(res, 200, updated);
  }
  if (req.method === "DELETE" && name) {
    if (dryRun) {
      const object = await store.get(info.kind, name);
      return object ? send(res, 200, object) : send(res, 404, status(404, "NotFound", `${info.plural}.${info.group} "${name}" not found`, info, name));
    }
    return send(res, 200, await store.delete(info.kind, name));
  }
  send(res, 405, status(405, "BadRequest", `${req.method} is not supported on ${url.pathname}`));
}
