// Calendar dates travel as ISO "YYYY-MM-DD" strings (the restaurant's local day); arithmetic is
// done on whole days since the epoch so time zones and DST never shift a sales day.
const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

// Requests repeat the same few hundred dates thousands of times; parsing each once matters.
const dayNumbers = new Map<string, number>();
const MAX_MEMO = 50_000;

export function toDayNumber(isoDate: string): number {
  const known = dayNumbers.get(isoDate);
  if (known !== undefined) return known;
  if (!isIsoDate(isoDate)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(isoDate)}`);
  const day = Math.round(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
  if (dayNumbers.size >= MAX_MEMO) dayNumbers.clear();
  dayNumbers.set(isoDate, day);
  return day;
}

export function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(isoDate: string, days: number): string {
  return fromDayNumber(toDayNumber(isoDate) + days);
}

/** 0 = Sunday ... 6 = Saturday, as Date#getUTCDay. */
export function weekday(isoDate: string): number {
  return new Date(toDayNumber(isoDate) * DAY_MS).getUTCDay();
}
