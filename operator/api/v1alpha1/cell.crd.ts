// Cell CRD: schema, validation rules and printer columns. `npm run crds:generate` writes it to crds/.
// Keep in step with cell.ts (the TypeScript side); crds.test.ts checks the committed YAML matches.
import { CELL_NAME_PATTERN, CellClasses, CellDeletionPolicies, MAX_CELL_NAME_LENGTH } from "./cell.js";
import { clusterCrd } from "./crd-envelope.js";
import { bool, conditionsSchema, immutable, int, obj, oneOf, quantityMap, str } from "./openapi.js";

export const MAX_CELL_CAPACITY = 1000;

const resources = obj("Compute requests and limits per pod, as in core/v1 ResourceRequirements.", {
  requests: quantityMap("Minimum resources, e.g. cpu: 250m, memory: 256Mi."),
  limits: quantityMap("Maximum resources."),
});

const component = (what: string, defaultReplicas: number) =>
  obj(`The cell's ${what}.`, { replicas: int("Pods to run.", { minimum: 0, maximum: 50, default: defaultReplicas }), resources }, [], { default: {} });

const cellSpec = obj(
  "Desired state of a cell: an isolated stack serving a group of tenants.",
  {
    class: oneOf("shared cells pack many tenants; dedicated cells serve one. Immutable.", CellClasses, {
      "x-kubernetes-validations": [immutable("class")],
    }),
    capacity: int("Maximum number of tenants placed in the cell.", { minimum: 1, maximum: MAX_CELL_CAPACITY }),
    version: str("Image tag of the cell's API and ML components.", { pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$" }),
    api: component("GraphQL API", 2),
    ml: component("ML service", 1),
    redis: obj("The cell's Redis (cache and realtime fan-out).", { enabled: bool("Run a Redis for the cell.", { default: true }) }, [], { default: {} }),
    deletionPolicy: oneOf("What happens to the cell's Postgres schema and role when the Cell is deleted.", CellDeletionPolicies, { default: "Retain" }),
  },
  ["class", "capacity", "version"],
  {
    "x-kubernetes-validations": [
      { rule: "self.class != 'dedicated' || self.capacity == 1", message: "a dedicated cell has capacity 1", fieldPath: ".capacity" },
    ],
  },
);

const cellStatus = obj("Observed state, written by the operator.", {
  observedGeneration: int("metadata.generation last acted on.", { minimum: 0 }),
  tenants: int("Tenants placed in the cell.", { minimum: 0 }),
  occupancy: str("tenants/capacity."),
  namespace: str("Namespace holding the cell's workloads."),
  endpoint: str("Base URL of the cell API Service."),
  version: str("Image tag the cell's workloads run."),
  conditions: conditionsSchema,
});

export const cellCrd = clusterCrd({
  kind: "Cell",
  plural: "cells",
  singular: "cell",
  shortName: "cl",
  description: "A cell of LocalStore Platform.",
  spec: cellSpec,
  status: cellStatus,
  printerColumns: [
    { name: "Class", type: "string", jsonPath: ".spec.class" },
    { name: "Tenants", type: "string", jsonPath: ".status.occupancy", description: "tenants/capacity" },
    { name: "Version", type: "string", jsonPath: ".status.version" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: "the cell serves its tenants" },
    { name: "Available", type: "string", jsonPath: '.status.conditions[?(@.type=="Available")].status', description: "every component has all its replicas available" },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
  // The name becomes the namespace's (cell-<name>) and the schema's: only a short DNS label maps
  // one-to-one (a dot would turn into a dash and share another Cell's namespace). Checked on create
  // only (a name never changes): a rule on the whole object also runs on every update, status and
  // finalizer removal included, so a Cell stored before the rule could otherwise never be deleted.
  rules: [
    { rule: `oldSelf.hasValue() || self.metadata.name.matches('${CELL_NAME_PATTERN}')`, optionalOldSelf: true, message: "a Cell's name must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit (no dots)", reason: "FieldValueInvalid" },
    { rule: `oldSelf.hasValue() || size(self.metadata.name) <= ${MAX_CELL_NAME_LENGTH}`, optionalOldSelf: true, message: `a Cell's name must be at most ${MAX_CELL_NAME_LENGTH} characters (its namespace is cell-<name>)`, reason: "FieldValueInvalid" },
  ],
});
