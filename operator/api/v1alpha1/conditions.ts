// Status conditions as Kubernetes defines them (metav1.Condition), shared by Tenant and Cell.
export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine-readable. */
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}
