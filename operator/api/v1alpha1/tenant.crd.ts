// Tenant CRD: schema, validation rules and printer columns. `npm run crds:generate` writes it to crds/.
// Keep in step with tenant.ts (the TypeScript side); crds.test.ts checks the committed YAML matches.
import { MAX_CELL_NAME_LENGTH } from "./cell.js";
import { clusterCrd } from "./crd-envelope.js";
import { bool, conditionsSchema, immutable, int, list, obj, oneOf, str } from "./openapi.js";
import { DEDICATED_REQUIRES_CHAIN, Isolations, ReservedSlugs, TenantDeletionPolicies, TenantMovePhases, TenantPlans } from "./tenant.js";

export const DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh";
export const DNS_LABEL_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
export const E164_PATTERN = "^\\+[1-9][0-9]{7,14}$";

const reserved = ReservedSlugs.map((w) => `'${w}'`).join(", ");

const tenantSpec = obj(
  "Desired state of a restaurant business on the platform.",
  {
    slug: str("Subdomain of the tenant ({slug}.localstoreplatform.com): a DNS label, immutable, not a reserved word.", {
      pattern: DNS_LABEL_PATTERN,
      minLength: 2,
      maxLength: 40,
      "x-kubernetes-validations": [
        immutable("slug"),
        { rule: `!(self in [${reserved}])`, message: `slug must not be a reserved word (${ReservedSlugs.join(", ")})` },
      ],
    }),
    displayName: str("Name shown to people, in Vietnamese, e.g. \"Phở Bò Hà Nội\".", { minLength: 1, maxLength: 200 }),
    plan: oneOf("Commercial plan.", TenantPlans),
    owner: obj(
      "The person who owns the business account.",
      {
        phone: str("Phone number in E.164 form, e.g. +84901234567.", { pattern: E164_PATTERN }),
        name: str("Owner's full name.", { minLength: 1, maxLength: 200 }),
      },
      ["phone", "name"],
    ),
    isolation: oneOf("shared: packed into a shared cell; dedicated: the tenant gets its own cell. Can only change from shared to dedicated, which moves the tenant to its own cell.", Isolations, {
      default: "shared",
      "x-kubernetes-validations": [
        { rule: "self == oldSelf || (oldSelf == 'shared' && self == 'dedicated')", message: "isolation can only change from shared to dedicated (the tenant then moves to its own cell)" },
      ],
    }),
    cell: str("Pins the tenant to this Cell instead of letting placement choose.", { pattern: DNS_LABEL_PATTERN, maxLength: MAX_CELL_NAME_LENGTH }),
    locations: list(
      "Restaurants (branches) created with the tenant.",
      obj(
        "One branch.",
        {
          name: str("Branch name, e.g. \"Chi nhánh Quận 1\".", { minLength: 1, maxLength: 200 }),
          timezone: str("IANA time zone of the branch.", { default: DEFAULT_TIMEZONE, pattern: "^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", maxLength: 64 }),
        },
        ["name"],
      ),
      { maxItems: 100, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] },
    ),
    suspended: bool("While true the router answers 403 for the tenant; data is kept.", { default: false }),
    deletionPolicy: oneOf("On deletion, Archive keeps the tenant's rows marked archived; Delete removes them.", TenantDeletionPolicies, { default: "Archive" }),
  },
  ["slug", "displayName", "plan", "owner"],
  {
    "x-kubernetes-validations": [
      {
        rule: "self.isolation != 'dedicated' || self.plan == 'chain'",
        message: DEDICATED_REQUIRES_CHAIN,
        fieldPath: ".isolation",
      },
      {
        rule: "!has(oldSelf.cell) || has(self.cell)",
        message: "cell cannot be removed once set; change it to move the tenant to another cell",
        fieldPath: ".cell",
      },
    ],
  },
);

const tenantStatus = obj("Observed state, written by the operator.", {
  observedGeneration: int("metadata.generation last acted on.", { minimum: 0 }),
  cell: str("Cell serving the tenant."),
  endpoint: str("Base URL of the cell API inside the cluster; the router forwards here."),
  url: str("Public URL of the tenant."),
  tenantId: str("The tenant's id in its cell's database."),
  hold: bool("While true the router holds the tenant's requests (switch-over of a move)."),
  move: obj(
    "The move in progress, or the last one.",
    {
      id: str("Id of the move in the platform database."),
      phase: oneOf("Phase of the move.", TenantMovePhases),
      from: str("Cell the tenant moves out of."),
      to: str("Cell the tenant moves into."),
      startedAt: str("When the move began.", { format: "date-time" }),
      holdStartedAt: str("When the router was asked to hold the tenant's requests.", { format: "date-time" }),
      message: str("What the move is doing or why it ended."),
    },
    ["id", "phase", "from", "to"],
  ),
  conditions: conditionsSchema,
});

export const tenantCrd = clusterCrd({
  kind: "Tenant",
  plural: "tenants",
  singular: "tenant",
  shortName: "tn",
  description: "A restaurant business on LocalStore Platform.",
  spec: tenantSpec,
  status: tenantStatus,
  printerColumns: [
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Cell", type: "string", jsonPath: ".status.cell" },
    { name: "Plan", type: "string", jsonPath: ".spec.plan" },
    { name: "URL", type: "string", jsonPath: ".status.url" },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
});
