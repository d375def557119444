// Splits a month into the runs of days each plan was held: the basis of proration. A plan change
// takes effect at the start of its local day, so a change on the last day bills that one day on
// the new plan.
import { periodDate, localDayStart, type Period } from "./period.js";

/** A subscription ends with a change to this pseudo-plan. */
export const CANCELLED = "cancelled";

export interface PlanChange {
  /** Local day (YYYY-MM-DD) from which `plan` applies. */
  effectiveOn: string;
  plan: string;
}

export interface Segment {
  plan: string;
  fromDay: number;
  toDay: number;
  days: number;
  from: string;
  to: string;
  /** [start, end) instants of the segment. */
  start: Date;
  end: Date;
}

export function subscriptionSegments(period: Period, changes: readonly PlanChange[]): Segment[] {
  const sorted = [...changes].sort((a, b) => (a.effectiveOn < b.effectiveOn ? -1 : a.effectiveOn > b.effectiveOn ? 1 : 0));
  const planOn = (date: string): string | undefined => {
    let plan: string | undefined;
    for (const c of sorted) {
      if (c.effectiveOn > date) break;
      plan = c.plan;
    }
    return plan;
  };
  const segments: Segment[] = [];
  let current: { plan: string; fromDay: number } | undefined;
  const close = (toDay: number) => {
    if (!current) return;
    segments.push({
      plan: current.plan,
      fromDay: current.fromDay,
      toDay,
      days: toDay - current.fromDay + 1,
      from: periodDate(period, current.fromDay),
      to: periodDate(period, toDay),
      start: localDayStart(period.year, period.month, current.fromDay),
      end: localDayStart(period.year, period.month, toDay + 1),
    });
    current = undefined;
  };
  for (let day = 1; day <= period.daysInMonth; day++) {
    const plan = planOn(periodDate(period, day));
    if (current && current.plan === plan) continue;
    close(day - 1);
    if (plan !== undefined && plan !== CANCELLED) current = { plan, fromDay: day };
  }
  close(period.daysInMonth);
  return segments;
}
