// Small builders for structural OpenAPI v3 schemas, so the CRD source reads like the types it mirrors.
// Every builder returns a plain object the apiserver accepts verbatim (no $schema, no additionalProperties:false).
export interface CelRule {
  rule: string;
  message: string;
  /** JSONPath (relative to the schema node) the apiserver reports the error against. */
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
  /** Evaluate a rule that reads oldSelf on create too, with oldSelf an optional (empty on create). */
  optionalOldSelf?: boolean;
}

export interface Schema {
  type?: "object" | "string" | "integer" | "boolean" | "array";
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema;
  enum?: string[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  "x-kubernetes-validations"?: CelRule[];
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

type Extra = Omit<Schema, "type" | "properties" | "required" | "items">;

export const str = (description: string, extra: Extra = {}): Schema => ({ type: "string", description, ...extra });
export const int = (description: string, extra: Extra = {}): Schema => ({ type: "integer", description, ...extra });
export const bool = (description: string, extra: Extra = {}): Schema => ({ type: "boolean", description, ...extra });
export const oneOf = (description: string, values: readonly string[], extra: Extra = {}): Schema => ({ type: "string", description, enum: [...values], ...extra });
export const list = (description: string, items: Schema, extra: Omit<Extra, "items"> = {}): Schema => ({ type: "array", description, items, ...extra });

/** An object; keys listed in `required` must be present. */
export function obj(description: string, properties: Record<string, Schema>, required: string[] = [], extra: Extra = {}): Schema {
  const schema: Schema = { type: "object", description, properties, ...extra };
  if (required.length > 0) schema.required = required;
  return schema;
}

/** Immutable once set: the apiserver refuses updates that change the value. */
export const immutable = (field: string): CelRule => ({ rule: "self == oldSelf", message: `${field} is immutable` });

/** Quantities such as "250m" or "512Mi" (int-or-string, like core/v1 ResourceRequirements). */
export const quantityMap = (description: string): Schema => ({
  type: "object",
  description,
  additionalProperties: { "x-kubernetes-int-or-string": true, pattern: "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$" },
});

/** metav1.Condition, as every Kubernetes status uses it. */
export const conditionsSchema: Schema = list(
  "Latest observations of the object's state.",
  obj(
    "One aspect of the object's state.",
    {
      type: str("Kind of condition, e.g. Ready.", { maxLength: 316 }),
      status: oneOf("True, False or Unknown.", ["True", "False", "Unknown"]),
      reason: str("CamelCase machine-readable cause.", { maxLength: 1024 }),
      message: str("Human-readable detail.", { maxLength: 32768 }),
      lastTransitionTime: str("When status last changed.", { format: "date-time" }),
      observedGeneration: int("metadata.generation the condition was computed from.", { minimum: 0 }),
    },
    ["type", "status", "reason", "message", "lastTransitionTime"],
  ),
  { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"], maxItems: 16 },
);
