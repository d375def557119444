// The advisory lock (Postgres) on one tenant's usage of one month. Ingestion holds it shared while
// it decides whether a count still belongs to that month and stores it (control-plane/usage/
// ingest.ts); issuing holds it exclusively while it computes and freezes the month's invoice
// (invoices.ts). So an order is either in the invoice or moved to the month it arrived in.
export const USAGE_LOCK_SPACE = 801;

export function usageLockKey(tenantSlug: string, periodId: string): string {
  return `usage:${tenantSlug}:${periodId}`;
}
