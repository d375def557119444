// The seed documents' success metric: the share of recommendations owners approve. The cell
// stores statuses; this turns them into the rate overall and per kind of advice.
export type RecommendationStatus = "pending" | "approved" | "dismissed";

export interface ApprovalRate {
  approved: number;
  dismissed: number;
  pending: number;
  /** approved / (approved + dismissed); undefined until an owner has decided anything. */
  rate?: number;
}

export function approvalRates(records: ReadonlyArray<{ kind: string; status: RecommendationStatus }>): { overall: ApprovalRate; byKind: Record<string, ApprovalRate> } {
  const overall = empty();
  const byKind: Record<string, ApprovalRate> = {};
  for (const r of records) {
    for (const acc of [overall, (byKind[r.kind] ??= empty())]) acc[r.status]++;
  }
  for (const acc of [overall, ...Object.values(byKind)]) {
    const decided = acc.approved + acc.dismissed;
    if (decided > 0) acc.rate = acc.approved / decided;
  }
  return { overall, byKind };
}

function empty(): ApprovalRate {
  return { approved: 0, dismissed: 0, pending: 0 };
}
