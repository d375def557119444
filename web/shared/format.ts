// Money and time as Vietnamese restaurants read them: whole đồng, dot thousands separators.
const vnd = new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND", maximumFractionDigits: 0 });

/** 55000 -> "55.000 ₫" */
export function formatVnd(amount: number): string {
  return vnd.format(amount);
}

/** A YYYY-MM-DD local date n days before `date`. */
export function daysBefore(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

/** Today in Vietnam (UTC+7, no daylight saving) as YYYY-MM-DD. */
export function vietnamToday(now = new Date()): string {
  return new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
}
