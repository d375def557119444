// Reading the values POS exports contain: decimals with a comma or a dot, dates in several
// day/month orders (often mixed within one file), times with or without seconds.

export type DecimalMark = "," | ".";
export type DateOrder = "dmy" | "mdy" | "ymd";

// Strong evidence: a fraction whose length is not 3 cannot be a thousands group.
const STRONG_COMMA = /^-?(\d{1,3}(\.\d{3})+|\d+),(\d{1,2}|\d{4,})$/;
const STRONG_DOT = /^-?(\d{1,3}(,\d{3})+|\d+)\.(\d{1,2}|\d{4,})$/;
// Ambiguous: "45.000" is 45 thousand in a Vietnamese export and 45.0 in an English one.
const GROUPED_DOT = /^-?\d{1,3}(\.\d{3})+$/;
const GROUPED_COMMA = /^-?\d{1,3}(,\d{3})+$/;

/**
 * Decides from sample values: unambiguous fractions first; failing those, 3-digit groups are read
 * as thousands separators (VND has no fractions, so "45.000" means 45,000). undefined when no
 * value has either mark.
 */
export function detectDecimalMark(samples: string[]): DecimalMark | undefined {
  let comma = 0;
  let dot = 0;
  let groupedDot = 0;
  let groupedComma = 0;
  for (const raw of samples) {
    const v = raw.trim();
    if (STRONG_COMMA.test(v)) comma++;
    else if (STRONG_DOT.test(v)) dot++;
    else if (GROUPED_DOT.test(v)) groupedDot++;
    else if (GROUPED_COMMA.test(v)) groupedComma++;
  }
  if (comma || dot) return comma >= dot ? "," : ".";
  if (groupedDot || groupedComma) return groupedDot >= groupedComma ? "," : ".";
  return undefined;
}

/**
 * An exact amount in whole VND: the value times `multiplier` (e.g. 1000 for prices written in
 * thousands of VND). undefined with a reason when it is not a number or not a whole VND amount.
 */
export function parseVnd(raw: string, mark: DecimalMark, multiplier: number): { vnd: number } | { error: string } {
  const v = raw.trim().replace(/\s/g, "");
  if (v === "") return { error: "is empty" };
  const thousands = mark === "," ? "." : ",";
  const plain = v.split(thousands).join("");
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(plain);
  if (!match || (match[2] !== undefined && plain[match[1]!.length] !== mark)) return { error: `'${raw}' is not a number (decimal mark '${mark}')` };
  const fraction = match[2] ?? "";
  const scaled = BigInt(match[1]! + fraction) * BigInt(multiplier);
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled % divisor !== 0n) {
    return { error: `'${raw}' x ${multiplier} is not a whole number of VND; pass --price-multiplier (e.g. 1000 when prices are in thousands)` };
  }
  const vnd = scaled / divisor;
  if (vnd > 2_000_000_000n) return { error: `'${raw}' x ${multiplier} is over 2,000,000,000 VND` };
  return { vnd: Number(vnd) };
}

const DATE = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/;

/** From sample dates: a first part over 12 means day-first, a second part over 12 month-first. */
export function detectDateOrder(samples: string[]): DateOrder | "conflict" | undefined {
  let dayFirst = false;
  let monthFirst = false;
  let yearFirst = false;
  for (const raw of samples) {
    const m = DATE.exec(raw.trim());
    if (!m) continue;
    if (m[1]!.length === 4) {
      yearFirst = true;
      continue;
    }
    const [first, second] = [Number(m[1]), Number(m[2])];
    // Both over 12 is no date at all (reported per line), not evidence for either order.
    if (first > 12 && second <= 12) dayFirst = true;
    if (second > 12 && first <= 12) monthFirst = true;
  }
  if (dayFirst && monthFirst) return "conflict";
  if (dayFirst) return "dmy";
  if (monthFirst) return "mdy";
  return yearFirst ? "ymd" : undefined;
}

/** YYYY-MM-DD, or an error. ISO dates (year first) are read as such whatever `order` says. */
export function parseDate(raw: string, order: DateOrder): { date: string } | { error: string } {
  const m = DATE.exec(raw.trim());
  if (!m) return { error: `'${raw}' is not a date (expected e.g. 13-01-2015, 1/1/2015 or 2015-01-13)` };
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (m[1]!.length !== 4 && m[3]!.length !== 4) return { error: `'${raw}' has no four-digit year` };
  const [y, mo, d] = m[1]!.length === 4 ? [a, b, c] : order === "mdy" ? [c, a, b] : [c, b, a];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
    return { error: `'${raw}' is not a calendar date (read as ${order === "mdy" ? "month/day" : "day/month"}/year)` };
  }
  return { date: `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}` };
}

export function parseTime(raw: string): { time: string } | { error: string } {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(raw.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return { error: `'${raw}' is not a time of day (HH:MM or HH:MM:SS)` };
  return { time: `${m[1]!.padStart(2, "0")}:${m[2]}:${m[3] ?? "00"}` };
}
