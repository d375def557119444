// Exactly the API access the operator uses, for least-privilege RBAC (the Helm chart renders a
// ClusterRole from this list; `npx tsx operator/rbac.ts` prints it as YAML).
import type * as k8s from "@kubernetes/client-node";
import { stringify } from "yaml";
import { DATABASE_SECRET, PLATFORM_SECRET } from "./controllers/cell/manifests.js";

export const operatorRbacRules: k8s.V1PolicyRule[] = [
  // Tenants and Cells: watched, finalizers and labels patched, status applied; Cells created for placement.
  { apiGroups: ["localstoreplatform.com"], resources: ["tenants", "cells"], verbs: ["get", "list", "watch", "patch", "update"] },
  { apiGroups: ["localstoreplatform.com"], resources: ["cells"], verbs: ["create"] },
  { apiGroups: ["localstoreplatform.com"], resources: ["tenants/status", "cells/status"], verbs: ["get", "patch", "update"] },
  // blockOwnerDeletion on owner references to Tenants and Cells needs update on their finalizers.
  { apiGroups: ["localstoreplatform.com"], resources: ["tenants/finalizers", "cells/finalizers"], verbs: ["update"] },
  // A cell's namespace and its contents, server-side applied.
  { apiGroups: [""], resources: ["namespaces", "serviceaccounts", "services", "resourcequotas", "limitranges"], verbs: ["get", "patch", "create"] },
  // The cells' namespaces are watched, so one deleted is made anew.
  { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
  // Secrets: only the cell's two by name (the database password is read back; the platform keys
  // are applied), so the operator cannot read any other Secret in the cluster. Create cannot be
  // limited by name (a POST names no object): created under one of those names, a
  // service-account-token Secret would be filled with another account's token and readable. The
  // chart's ValidatingAdmissionPolicy refuses the operator any Secret that is not Opaque.
  { apiGroups: [""], resources: ["secrets"], resourceNames: [DATABASE_SECRET, PLATFORM_SECRET], verbs: ["get", "patch"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
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
