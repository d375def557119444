// Money is integer đồng held in bigint: no fractions of a đồng ever exist in an invoice.

/** a × num / den rounded half up (amounts are never negative). */
export function mulDivRound(a: bigint, num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new Error(`mulDivRound: denominator must be positive, got ${den}`);
  if (a < 0n || num < 0n) throw new Error("mulDivRound: amounts must not be negative");
  return (a * num * 2n + den) / (den * 2n);
}

/** 1234567n → "1.234.567 ₫" (Vietnamese grouping with dots). */
export function formatVnd(amount: bigint): string {
  const digits = (amount < 0n ? -amount : amount).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${amount < 0n ? "-" : ""}${grouped} ₫`;
}
