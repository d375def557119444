// Number and name formatting for owner-facing text, in each language's own conventions.
import { createHash } from "node:crypto";
import type { MenuItem } from "./types.js";

const VI_NUMBER = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
const EN_NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const VI_WEEKDAYS = ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"];
const EN_WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export const num = { vi: (n: number) => VI_NUMBER.format(n), en: (n: number) => EN_NUMBER.format(n) };
export const pct = { vi: (r: number) => `${VI_NUMBER.format(r * 100)}%`, en: (r: number) => `${EN_NUMBER.format(r * 100)}%` };
export const weekdayName = { vi: (d: number) => VI_WEEKDAYS[d]!, en: (d: number) => EN_WEEKDAYS[d]! };

export function itemName(item: MenuItem | undefined, itemId: string): { vi: string; en: string } {
  return { vi: item?.nameVi ?? item?.name ?? itemId, en: item?.name ?? itemId };
}

export function recommendationId(...parts: ReadonlyArray<string | number>): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 16);
}
