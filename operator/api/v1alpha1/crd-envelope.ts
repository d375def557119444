// The parts every LocalStore Platform CRD shares: cluster-scoped, one served and stored version,
// a status subresource, the `lsp` category. Each kind's file then only says what is its own.
import type { V1CustomResourceColumnDefinition, V1CustomResourceDefinition } from "@kubernetes/client-node";
import { obj, type CelRule, type Schema } from "./openapi.js";
import { GROUP, VERSION } from "./tenant.js";

export interface ClusterCrdParts {
  kind: string;
  plural: string;
  singular: string;
  shortName: string;
  /** The top-level description `kubectl explain <kind>` shows. */
  description: string;
  spec: Schema;
  status: Schema;
  printerColumns: V1CustomResourceColumnDefinition[];
  /** CEL rules on the whole object: the only place a rule can read metadata.name. */
  rules?: CelRule[];
}

export function clusterCrd(parts: ClusterCrdParts): V1CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${parts.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: "Cluster",
      names: {
        plural: parts.plural,
        singular: parts.singular,
        kind: parts.kind,
        listKind: `${parts.kind}List`,
        shortNames: [parts.shortName],
        categories: ["lsp"],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: parts.printerColumns,
          schema: { openAPIV3Schema: obj(parts.description, { spec: parts.spec, status: parts.status }, ["spec"], parts.rules ? { "x-kubernetes-validations": parts.rules } : {}) as never },
        },
      ],
    },
  };
}
