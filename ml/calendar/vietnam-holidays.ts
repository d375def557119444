// Vietnamese holidays that move restaurant demand. Tết (lunar new year) moves every year, so
// its dates are a table of the Vietnamese lunar calendar (UTC+7) rather than a rule; years
// outside the table get no Tết handling and say so instead of guessing.
import { addDays } from "../forecast/dates.js";

/** First day of the lunar year (Mùng 1 Tết) in Vietnam. */
export const TET_DATES: Readonly<Record<number, string>> = {
  2010: "2010-02-14",
  2011: "2011-02-03",
  2012: "2012-01-23",
  2013: "2013-02-10",
  2014: "2014-01-31",
  2015: "2015-02-19",
  2016: "2016-02-08",
  2017: "2017-01-28",
  2018: "2018-02-16",
  2019: "2019-02-05",
  2020: "2020-01-25",
  2021: "2021-02-12",
  2022: "2022-02-01",
  2023: "2023-01-22",
  2024: "2024-02-10",
  2025: "2025-01-29",
  2026: "2026-02-17",
  2027: "2027-02-06",
  2028: "2028-01-26",
  2029: "2029-02-13",
  2030: "2030-02-03",
};

export const FIRST_TET_YEAR = 2010;
export const LAST_TET_YEAR = 2030;

/** Solar-calendar public holidays (month-day). */
const FIXED_HOLIDAYS: ReadonlyArray<{ key: string; monthDay: string }> = [
  { key: "new_year", monthDay: "01-01" },
  { key: "reunification_day", monthDay: "04-30" },
  { key: "labour_day", monthDay: "05-01" },
  { key: "national_day", monthDay: "09-02" },
];

/** A dated event with the days around it whose demand it changes. */
export interface HolidayEvent {
  key: string;
  date: string;
  before: number;
  after: number;
}

/** Shopping before Tết and the quiet week after it both differ from a normal week. */
export const TET_WINDOW = { before: 7, after: 7 };

export function holidayEvents(fromYear: number, toYear: number): HolidayEvent[] {
  const events: HolidayEvent[] = [];
  for (let year = fromYear; year <= toYear; year++) {
    const tet = TET_DATES[year];
    if (tet) events.push({ key: "tet", date: tet, ...TET_WINDOW });
    for (const h of FIXED_HOLIDAYS) events.push({ key: h.key, date: `${year}-${h.monthDay}`, before: 0, after: 0 });
  }
  return events;
}

export function eventDays(event: HolidayEvent): Array<{ date: string; offset: number }> {
  const out: Array<{ date: string; offset: number }> = [];
  for (let offset = -event.before; offset <= event.after; offset++) out.push({ date: addDays(event.date, offset), offset });
  return out;
}
