// The local platform accepts the very manifests `kubectl apply` takes, and refuses invalid ones
// with the apiserver's field-level messages: validation comes from the same CRD source as crds/.
import { crds } from "../../operator/api/v1alpha1/crds.js";
import type { Schema } from "../../operator/api/v1alpha1/openapi.js";
import { applyDefaults, validateRules, validateStructure, type FieldCause } from "./structural-schema.js";

export type ResourceKind = "Tenant" | "Cell";

export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface KindInfo {
  kind: ResourceKind;
  group: string;
  version: string;
  plural: string;
  shortNames: string[];
  schema: Schema;
}

/** Kubernetes' Status object for a refused write, as the apiserver returns it (reason Invalid, code 422). */
export interface StatusError {
  kind: "Status";
  apiVersion: "v1";
  status: "Failure";
  message: string;
  reason: "Invalid" | "BadRequest" | "NotFound" | "AlreadyExists" | "Conflict";
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field: string }[] };
  code: number;
}

export const kinds: KindInfo[] = crds.map((crd) => {
  const version = crd.spec.versions[0]!;
  return {
    kind: crd.spec.names.kind as ResourceKind,
    group: crd.spec.group,
    version: version.name,
    plural: crd.spec.names.plural,
    shortNames: crd.spec.names.shortNames ?? [],
    schema: version.schema!.openAPIV3Schema as Schema,
  };
});

/** Finds a kind by kind name, plural, singular or short name (`tenants`, `tenant`, `tn`, `Tenant`). */
export function kindFor(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return kinds.find((k) => k.kind.toLowerCase() === n || k.plural === n || k.shortNames.includes(n) || `${k.plural}.${k.group}` === n);
}

const BLOCKING = new Set(["FieldValueRequired", "FieldValueNotSupported", "FieldValueTypeInvalid", "FieldValueUnknown"]);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function invalid(info: KindInfo, name: string, causes: FieldCause[]): StatusError {
  const list = causes.map((c) => c.message);
  return {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: `${info.kind}.${info.group} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(", ")}]`}`,
    reason: "Invalid",
    details: { name, group: info.group, kind: info.kind, causes: causes.map(({ reason, message, field }) => ({ reason, message, field })) },
    code: 422,
  };
}

export function badRequest(message: string): StatusError {
  return { kind: "Status", apiVersion: "v1", status: "Failure", message, reason: "BadRequest", code: 400 };
}

/**
 * Validates a manifest for create (no `old`) or update (`old` = the stored object), returning the
 * object with schema defaults applied, or the Status error the apiserver would give.
 */
export function admit(manifest: unknown, old?: CustomObject): { ok: true; object: CustomObject; info: KindInfo } | { ok: false; error: StatusError } {
  if (!manifest || typeof manifest !== "object") return { ok: false, error: badRequest("the manifest is not an object") };
  const m = manifest as Partial<CustomObject>;
  const info = m.kind ? kindFor(m.kind) : undefined;
  if (!info || info.kind !== m.kind) return { ok: false, error: badRequest(`no matches for kind "${m.kind ?? ""}" in group "localstoreplatform.com" (known kinds: ${kinds.map((k) => k.kind).join(", ")})`) };
  if (m.apiVersion !== `${info.group}/${info.version}`) {
    return { ok: false, error: badRequest(`no matches for kind "${info.kind}" in version "${m.apiVersion ?? ""}" (expected apiVersion: ${info.group}/${info.version})`) };
  }
  const name = typeof m.metadata?.name === "string" ? m.metadata.name : "";
  const causes: FieldCause[] = [];
  if (!name) causes.push({ field: "metadata.name", reason: "FieldValueRequired", message: "metadata.name: Required value: name or generateName is required" });
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    causes.push({ field: "metadata.name", reason: "FieldValueInvalid", message: `metadata.name: Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
  }
  const object = structuredClone({ ...m, metadata: { ...m.metadata, name } }) as CustomObject;
  const specSchema = info.schema.properties?.spec;
  if (specSchema) {
    if (object.spec === undefined && info.schema.required?.includes("spec")) causes.push({ field: "spec", reason: "FieldValueRequired", message: "spec: Required value" });
    applyDefaults(specSchema, object.spec);
    validateStructure(specSchema, object.spec, "spec", causes);
    // Like the apiserver: CEL rules run only when no blocking error (wrong type, missing or
    // unsupported value) was found, and a skipped run is itself reported.
    const blocking = causes.some((c) => BLOCKING.has(c.reason));
    if (!blocking) validateRules(specSchema, object.spec, old?.spec, "spec", causes);
    else if (causes.every((c) => c.reason !== "FieldValueUnknown")) {
      causes.push({ field: "<nil>", reason: "FieldValueInvalid", message: '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' });
    }
  }
  for (const key of Object.keys(object)) {
    if (!["apiVersion", "kind", "metadata", "spec", "status"].includes(key)) causes.push({ field: key, reason: "FieldValueUnknown", message: `unknown field "${key}"` });
  }
  if (causes.length > 0) return { ok: false, error: invalid(info, name, causes) };
  return { ok: true, object, info };
}
