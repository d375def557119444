// Exactly the API access the operator uses, for least-privilege RBAC (the Helm chart renders a
// ClusterRole from this list; `npx tsx operator/rbac.ts` prints it as YAML).
import type * as k8s from "@kubernetes/client-node";
import { stringify } from "yaml";

export const operatorRbacRules: k8s.V1PolicyRule[] = [
  // Tenants and Cells: watched, finalizers and labels patched, status applied; Cells created for placement.
  { apiGroups: ["localstoreplatform.com"], resources: ["tenants", "cells"], verbs: ["get", "list", "watch", "patch", "update"] },
  { apiGroups: ["localstoreplatform.com"], resources: ["cells"], verbs: ["create"] },
  { apiGroups: ["localstoreplatform.com"], resources: ["tenants/status", "cells/status"], verbs: ["get", "patch", "update"] },
  // blockOwnerDeletion on owner references to Tenants and Cells needs update on their finalizers.
  { apiGroups: ["localstoreplatform.com"], resources: ["tenants/finalizers", "cells/finalizers"], verbs: ["update"] },
  // A cell's namespace and its contents, server-side applied.
  { apiGroups: [""], resources: ["namespaces", "serviceaccounts", "services", "resourcequotas"], verbs: ["get", "patch", "create"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "patch"] },
  { apiGroups: [""], resources: ["services"], verbs: ["delete"] },
  { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch", "patch", "create", "delete"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "patch", "create"] },
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "patch", "create"] },
  // Events for transitions and failures.
  { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
  // Leader election.
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
];

export function operatorClusterRole(name = "lsp-operator"): k8s.V1ClusterRole {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: operatorRbacRules };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(stringify(operatorClusterRole()));
