// Validates and defaults a custom object against its CRD's structural schema the way the
// kube-apiserver does, so the local platform refuses exactly what a cluster refuses and names the
// same fields: OpenAPI checks (type, required, enum, pattern, lengths, bounds, unknown fields),
// defaults, then the CEL `x-kubernetes-validations` rules with `self` and `oldSelf`.
import { parse as parseCel } from "@marcbachmann/cel-js";
import type { CelRule, Schema } from "../../operator/api/v1alpha1/openapi.js";

export interface FieldCause {
  /** Path like `spec.owner.phone` or `spec.locations[0].name`. */
  field: string;
  /** apiserver-style reason: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueTooLong, FieldValueTypeInvalid, FieldValueUnknown */
  reason: string;
  message: string;
}

type Compiled = ReturnType<typeof parseCel>;
const celCache = new Map<string, Compiled>();

function compiled(rule: string): Compiled {
  let fn = celCache.get(rule);
  if (!fn) {
    fn = parseCel(rule);
    celCache.set(rule, fn);
  }
  return fn;
}

function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return `"${Array.isArray(value) ? "array" : "object"}"`;
  return String(value);
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Fills schema defaults in place (apiserver defaulting happens before validation). */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (value === undefined) return value;
  if (schema.type === "object" && value && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      if (record[key] === undefined && child.default !== undefined) record[key] = structuredClone(child.default);
      if (record[key] !== undefined) applyDefaults(child, record[key]);
    }
    if (schema.additionalProperties) for (const key of Object.keys(record)) applyDefaults(schema.additionalProperties, record[key]);
  } else if (schema.type === "array" && Array.isArray(value) && schema.items) {
    for (const item of value) applyDefaults(schema.items, item);
  }
  return value;
}

/** OpenAPI v3 structural checks; collects every cause like the apiserver does. */
export function validateStructure(schema: Schema, value: unknown, path: string, causes: FieldCause[]): void {
  if (value === undefined || value === null) return;
  const add = (reason: string, message: string) => causes.push({ field: path, reason, message: `${path}: ${message}` });
  if (schema["x-kubernetes-int-or-string"]) {
    if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
      add("FieldValueTypeInvalid", `Invalid value: ${quote(value)}: ${path} in body must be of type integer,string: ${quote(typeOf(value))}`);
    } else if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern).test(value)) {
      add("FieldValueInvalid", `Invalid value: ${quote(value)}: ${path} in body should match '${schema.pattern}'`);
    }
    return;
  }
  const actual = typeOf(value);
  const expected = schema.type;
  if (expected && !(actual === expected || (expected === "integer" && actual === "integer"))) {
    add("FieldValueTypeInvalid", `Invalid value: ${quote(value)}: ${path} in body must be of type ${expected}: ${quote(actual)}`);
    return;
  }
  if (expected === "string" && typeof value === "string") {
    if (schema.enum && !schema.enum.includes(value)) {
      add("FieldValueNotSupported", `Unsupported value: ${quote(value)}: supported values: ${schema.enum.map((v) => quote(v)).join(", ")}`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) add("FieldValueTooLong", `Too long: may not be more than ${schema.maxLength} bytes`);
    if (schema.minLength !== undefined && value.length < schema.minLength) add("FieldValueInvalid", `Invalid value: ${quote(value)}: ${path} in body should be at least ${schema.minLength} chars long`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) add("FieldValueInvalid", `Invalid value: ${quote(value)}: ${path} in body should match '${schema.pattern}'`);
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) add("FieldValueInvalid", `Invalid value: ${quote(value)}: ${path} in body must be of type date-time: ${quote(value)}`);
  }
  if (expected === "integer" && typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) add("FieldValueInvalid", `Invalid value: ${value}: ${path} in body should be greater than or equal to ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) add("FieldValueInvalid", `Invalid value: ${value}: ${path} in body should be less than or equal to ${schema.maximum}`);
  }
  if (expected === "array" && Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) add("FieldValueTooMany", `Too many: ${value.length}: must have at most ${schema.maxItems} items`);
    if (schema.minItems !== undefined && value.length < schema.minItems) add("FieldValueInvalid", `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items`);
    value.forEach((item, i) => schema.items && validateStructure(schema.items, item, `${path}[${i}]`, causes));
    const keys = schema["x-kubernetes-list-map-keys"];
    if (schema["x-kubernetes-list-type"] === "map" && keys) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k]));
        if (seen.has(key)) causes.push({ field: `${path}[${i}]`, reason: "FieldValueDuplicate", message: `${path}[${i}]: Duplicate value: ${quote(Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)?.[k]])))}` });
        seen.add(key);
      });
    }
  }
  if (expected === "object" && value && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (record[key] === undefined || record[key] === null) causes.push({ field: `${path}.${key}`, reason: "FieldValueRequired", message: `${path}.${key}: Required value` });
    }
    for (const [key, child] of Object.entries(record)) {
      const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
      if (!childSchema) {
        if (!schema["x-kubernetes-preserve-unknown-fields"]) causes.push({ field: `${path}.${key}`, reason: "FieldValueUnknown", message: `unknown field "${path}.${key}"` });
        continue;
      }
      validateStructure(childSchema, child, `${path}.${key}`, causes);
    }
  }
}

/** CEL rules, evaluated top-down with `self` (and `oldSelf` on updates when the old value exists). */
export function validateRules(schema: Schema, value: unknown, old: unknown, path: string, causes: FieldCause[]): void {
  if (value === undefined || value === null) return;
  // The apiserver checks a node's own rules before descending into its children.
  for (const rule of schema["x-kubernetes-validations"] ?? []) checkRule(rule, schema, value, old, path, causes);
  if (schema.type === "object" && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const oldRecord = (old && typeof old === "object" ? old : undefined) as Record<string, unknown> | undefined;
    for (const [key, child] of Object.entries(schema.properties ?? {})) validateRules(child, record[key], oldRecord?.[key], `${path}.${key}`, causes);
  } else if (schema.type === "array" && Array.isArray(value) && schema.items) {
    value.forEach((item, i) => validateRules(schema.items!, item, undefined, `${path}[${i}]`, causes));
  }
}

function checkRule(rule: CelRule, schema: Schema, value: unknown, old: unknown, path: string, causes: FieldCause[]): void {
  const usesOld = /\boldSelf\b/.test(rule.rule);
  if (usesOld && old === undefined) return; // transition rules only apply to updates of an existing value
  let passed: unknown;
  try {
    passed = compiled(rule.rule)({ self: toCel(schema, value), ...(usesOld ? { oldSelf: toCel(schema, old) } : {}) });
  } catch (error) {
    passed = false;
    rule = { ...rule, message: `${rule.message} (rule could not be evaluated: ${(error as Error).message})` };
  }
  if (passed === true) return;
  const field = rule.fieldPath ? `${path}${rule.fieldPath}` : path;
  const shown = schema.type === "object" ? "object" : schema.type === "array" ? "array" : (schema.type ?? "object");
  causes.push({ field, reason: rule.reason ?? "FieldValueInvalid", message: `${field}: Invalid value: "${shown}": ${rule.message}` });
}

/** CEL integers are 64-bit: give integer-typed fields to cel-js as BigInt. */
function toCel(schema: Schema | undefined, value: unknown): unknown {
  if (value === null || value === undefined || !schema) return value;
  if (schema.type === "integer" && typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return value.map((v) => toCel(schema.items, v));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(schema.properties?.[k] ?? schema.additionalProperties, v)]));
  }
  return value;
}
