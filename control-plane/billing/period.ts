// Billing periods are calendar months in Vietnam's time (UTC+7, no daylight saving), so an order
// at 23:59 on the 31st belongs to that month wherever the server runs.
export const BILLING_UTC_OFFSET_HOURS = 7;

export interface Period {
  /** "YYYY-MM" */
  id: string;
  year: number;
  month: number;
  daysInMonth: number;
  /** First instant of the month in Vietnam, as a UTC Date. */
  start: Date;
  /** First instant of the next month. */
  end: Date;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export class InvalidPeriodError extends Error {
  constructor(readonly value: string) {
    super(`period: expected "YYYY-MM" (e.g. "2026-11"), got ${JSON.stringify(value)}`);
    this.name = "InvalidPeriodError";
  }
}

export function parsePeriod(id: string): Period {
  const m = PERIOD.exec(id);
  if (!m) throw new InvalidPeriodError(id);
  const year = Number(m[1]);
  const month = Number(m[2]);
  return {
    id,
    year,
    month,
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
    start: localDayStart(year, month, 1),
    end: localDayStart(year, month + 1, 1),
  };
}

/** The instant a Vietnamese calendar day starts (Date.UTC normalises month/day overflow). */
export function localDayStart(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day) - BILLING_UTC_OFFSET_HOURS * 3_600_000);
}

/** "YYYY-MM-DD" of day `day` of the period. */
export function periodDate(period: Period, day: number): string {
  return `${period.id}-${String(day).padStart(2, "0")}`;
}

/** The period an instant falls in, in Vietnamese time. */
export function periodOf(at: Date): string {
  const local = new Date(at.getTime() + BILLING_UTC_OFFSET_HOURS * 3_600_000);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Vietnamese calendar date of an instant, "YYYY-MM-DD". */
export function localDateOf(at: Date): string {
  return new Date(at.getTime() + BILLING_UTC_OFFSET_HOURS * 3_600_000).toISOString().slice(0, 10);
}
