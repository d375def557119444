// The `lsp` verbs: apply, get, describe, delete — kubectl's behaviour for Tenant and Cell, against
// a cluster or the local platform (same CustomObjectsApi calls, so both answer the same way).
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments, stringify } from "yaml";
import { kindFor, type KindInfo } from "../local-platform/api/manifests.js";
import { renderTable } from "./columns.js";
import type { Target } from "./target.js";

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

type Obj = { apiVersion?: string; kind?: string; metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown; status?: Record<string, unknown> };

export class CliError extends Error {}

/** The apiserver's Status message from a client-node ApiException, else the error text. */
function serverMessage(error: unknown): { reason: string; message: string; code?: number } {
  const e = error as { code?: number; body?: unknown; message?: string };
  let body = e.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      /* plain text */
    }
  }
  const status = body as { reason?: string; message?: string } | undefined;
  if (status?.message) return { reason: status.reason ?? "Unknown", message: status.message, code: e.code };
  return { reason: "Unknown", message: e.message ?? String(error), code: e.code };
}

function kindOrThrow(name: string): KindInfo {
  const info = kindFor(name);
  if (!info) throw new CliError(`the server doesn't have a resource type "${name}" (known: tenants (tn), cells)`);
  return info;
}

function readManifests(file: string): { docs: Obj[]; source: string } {
  const text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  const docs: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new CliError(`error parsing ${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Obj | null;
    if (value) docs.push(value);
  }
  return { docs, source: file };
}

export async function apply(target: Target, file: string, io: Output, dryRun = false): Promise<boolean> {
  const { docs, source } = readManifests(file);
  let ok = true;
  for (const doc of docs) {
    const info = doc.kind ? kindFor(doc.kind) : undefined;
    const name = doc.metadata?.name ?? "";
    if (!info) {
      io.err(`error: resource mapping not found for name: "${name}" namespace: "" from "${source}": no matches for kind "${doc.kind}" in version "${doc.apiVersion}"`);
      ok = false;
      continue;
    }
    const ref = { group: info.group, version: info.version, plural: info.plural };
    const label = `${info.kind.toLowerCase()}.${info.group}/${name}`;
    const suffix = dryRun ? " (server dry run)" : "";
    try {
      let existing: Obj | undefined;
      try {
        existing = (await target.api.getClusterCustomObject({ ...ref, name })) as Obj;
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
      if (!existing) {
        await target.api.createClusterCustomObject({ ...ref, body: doc, ...(dryRun ? { dryRun: "All" } : {}) });
        io.out(`${label} created${suffix}`);
        continue;
      }
      const desired: Obj = {
        ...doc,
        metadata: { ...existing.metadata, labels: { ...existing.metadata?.labels, ...doc.metadata?.labels }, annotations: { ...existing.metadata?.annotations, ...doc.metadata?.annotations }, name, resourceVersion: existing.metadata?.resourceVersion },
        status: existing.status,
      };
      const updated = (await target.api.replaceClusterCustomObject({ ...ref, name, body: desired, ...(dryRun ? { dryRun: "All" } : {}) })) as Obj;
      const changed = !isDeepStrictEqual(updated.spec, existing.spec) || !isDeepStrictEqual(updated.metadata?.labels ?? {}, existing.metadata?.labels ?? {});
      io.out(`${label} ${changed ? "configured" : "unchanged"}${suffix}`);
    } catch (error) {
      const { reason, message } = serverMessage(error);
      io.err(`Error from server (${reason}): error when applying "${source}": ${message}`);
      ok = false;
    }
  }
  return ok;
}

export async function get(target: Target, kindName: string, name: string | undefined, format: "table" | "wide" | "yaml" | "json", io: Output): Promise<boolean> {
  const info = kindOrThrow(kindName);
  const ref = { group: info.group, version: info.version, plural: info.plural };
  let objects: Obj[];
  try {
    objects = name ? [(await target.api.getClusterCustomObject({ ...ref, name })) as Obj] : (((await target.api.listClusterCustomObject(ref)) as { items: Obj[] }).items ?? []);
  } catch (error) {
    const { reason, message } = serverMessage(error);
    io.err(`Error from server (${reason}): ${message}`);
    return false;
  }
  if (format === "json") io.out(JSON.stringify(name ? objects[0] : { apiVersion: "v1", kind: "List", items: objects }, null, 2));
  else if (format === "yaml") io.out(stringify(name ? objects[0] : { apiVersion: "v1", kind: "List", items: objects }).trimEnd());
  else if (objects.length === 0) io.err("No resources found");
  else io.out(renderTable(info.kind, objects as Record<string, unknown>[], format === "wide"));
  return true;
}

export async function describe(target: Target, kindName: string, name: string, io: Output): Promise<boolean> {
  const info = kindOrThrow(kindName);
  let object: Obj;
  try {
    object = (await target.api.getClusterCustomObject({ group: info.group, version: info.version, plural: info.plural, name })) as Obj;
  } catch (error) {
    const { reason, message } = serverMessage(error);
    io.err(`Error from server (${reason}): ${message}`);
    return false;
  }
  const meta = object.metadata as Record<string, unknown>;
  const lines = [
    `Name:         ${meta.name}`,
    `Labels:       ${Object.entries((meta.labels as Record<string, string>) ?? {}).map(([k, v]) => `${k}=${v}`).join(",") || "<none>"}`,
    `API Version:  ${object.apiVersion}`,
    `Kind:         ${object.kind}`,
    `Created:      ${meta.creationTimestamp ?? "<unknown>"}`,
    ...(meta.deletionTimestamp ? [`Deleting since: ${meta.deletionTimestamp}`] : []),
    "Spec:",
    indent(stringify(object.spec ?? {}).trimEnd()),
    "Status:",
  ];
  const { conditions, ...rest } = (object.status ?? {}) as { conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[] };
  if (Object.keys(rest).length) lines.push(indent(stringify(rest).trimEnd()));
  lines.push("  Conditions:");
  if (!conditions?.length) lines.push("    <none>");
  else {
    lines.push("    Type           Status  Reason                Message");
    for (const c of conditions) lines.push(`    ${c.type.padEnd(15)}${c.status.padEnd(8)}${c.reason.padEnd(22)}${c.message}`);
  }
  io.out(lines.join("\n"));
  return true;
}

export async function remove(target: Target, kindName: string | undefined, names: string[], file: string | undefined, io: Output): Promise<boolean> {
  const items: { info: KindInfo; name: string }[] = [];
  if (file) for (const doc of readManifests(file).docs) items.push({ info: kindOrThrow(doc.kind ?? ""), name: doc.metadata?.name ?? "" });
  else {
    if (!kindName || names.length === 0) throw new CliError("delete needs a kind and at least one name (lsp delete tenant pho-bo-hanoi), or -f FILE");
    const info = kindOrThrow(kindName);
    for (const name of names) items.push({ info, name });
  }
  let ok = true;
  for (const { info, name } of items) {
    try {
      await target.api.deleteClusterCustomObject({ group: info.group, version: info.version, plural: info.plural, name });
      io.out(`${info.kind.toLowerCase()}.${info.group} "${name}" deleted`);
    } catch (error) {
      const { reason, message } = serverMessage(error);
      io.err(`Error from server (${reason}): ${message}`);
      ok = false;
    }
  }
  return ok;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}
