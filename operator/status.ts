// Conditions as Kubernetes writes them: lastTransitionTime moves only when status changes, and
// every condition records the generation it was computed from.
import type { Condition, ConditionStatus } from "./api/v1alpha1/index.js";

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function setConditions(previous: readonly Condition[] | undefined, next: ConditionInput[], generation: number | undefined, now = new Date()): Condition[] {
  const byType = new Map((previous ?? []).map((c) => [c.type, c]));
  for (const input of next) {
    const old = byType.get(input.type);
    byType.set(input.type, {
      ...input,
      observedGeneration: generation,
      lastTransitionTime: old && old.status === input.status ? old.lastTransitionTime : now.toISOString(),
    });
  }
  return [...byType.values()];
}

export const isTrue = (conditions: readonly Condition[] | undefined, type: string) => conditions?.some((c) => c.type === type && c.status === "True") ?? false;

/** Status equality ignoring timestamps, to skip writes that would change nothing. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, dropTimes) === JSON.stringify(b, dropTimes);
}

function dropTimes(key: string, value: unknown): unknown {
  if (key === "lastTransitionTime") return undefined;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
  }
  return value;
}
