// The result of handling one callback, before it is put in the provider's reply format.
export type RefusalReason = "malformed" | "unknown-merchant" | "bad-signature" | "unknown-order" | "wrong-amount";

export type WebhookOutcome =
  | { kind: "applied"; paymentId: string }
  /** The same provider transaction was recorded before: nothing changes. */
  | { kind: "duplicate" }
  /** A different transaction already paid this order: not recorded twice. */
  | { kind: "already-paid" }
  /** The provider reports a failed/cancelled payment: acknowledged, nothing written. */
  | { kind: "not-succeeded" }
  | { kind: "refused"; reason: RefusalReason; detail: string }
  /** Our failure (database down...): the provider should retry. */
  | { kind: "error" };

export function refused(reason: RefusalReason, detail: string): WebhookOutcome {
  return { kind: "refused", reason, detail };
}
