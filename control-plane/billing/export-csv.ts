// Invoice as CSV (RFC 4180, UTF-8 with BOM so Excel shows Vietnamese correctly). Amounts are
// plain integers of đồng so spreadsheets can sum them.
import type { Invoice } from "./invoices.js";

const HEADER = ["invoice_number", "tenant", "period", "line", "plan", "from", "to", "description", "quantity", "unit_price_vnd", "amount_vnd"];

export function invoiceCsv(invoice: Invoice): string {
  const rows: string[][] = [HEADER];
  invoice.lines.forEach((l, i) => rows.push([invoice.number, invoice.tenantSlug, invoice.period, String(i + 1), l.plan, l.from, l.to, l.description, l.quantity, l.unitPriceVnd, l.amountVnd]));
  const summary = (label: string, amount: bigint) => [invoice.number, invoice.tenantSlug, invoice.period, "", "", "", "", label, "", "", amount.toString()];
  rows.push(summary("Cộng tiền hàng (subtotal)", invoice.subtotalVnd));
  rows.push(summary(`Thuế GTGT ${invoice.vatRateBasisPoints / 100}% (VAT)`, invoice.vatVnd));
  rows.push(summary("Tổng cộng thanh toán (total)", invoice.totalVnd));
  return "\uFEFF" + rows.map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
