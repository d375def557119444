// Invoice as PDF. DejaVu Sans (bundled by the dejavu-fonts-ttf package, so no system font is
// needed) covers Vietnamese diacritics; the document's dates come from the invoice, so the same
// invoice renders to the same bytes.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import { formatVnd } from "./money.js";
import { localDateOf } from "./period.js";
import type { Invoice } from "./invoices.js";

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");
const REGULAR = join(FONT_DIR, "DejaVuSans.ttf");
const BOLD = join(FONT_DIR, "DejaVuSans-Bold.ttf");

export interface Seller {
  name: string;
  taxCode: string;
  address: string;
}

export const DEFAULT_SELLER: Seller = { name: "Công ty TNHH LocalStore Platform", taxCode: "0000000000", address: "Thành phố Hồ Chí Minh, Việt Nam" };

const STATUS_LABEL: Record<Invoice["status"], string> = { draft: "BẢN NHÁP", issued: "Chưa thanh toán", paid: "Đã thanh toán", void: "ĐÃ HỦY" };

export function invoicePdf(invoice: Invoice, options: { seller?: Seller; customerName?: string } = {}): Promise<Buffer> {
  const seller = options.seller ?? DEFAULT_SELLER;
  const stamp = invoice.issuedAt ?? new Date(`${invoice.period}-01T00:00:00Z`);
  const doc = new PDFDocument({ size: "A4", margin: 50, info: { Title: `Hóa đơn ${invoice.number}`, Author: seller.name, CreationDate: stamp, ModDate: stamp } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  doc.registerFont("regular", REGULAR).registerFont("bold", BOLD);
  doc.font("bold").fontSize(18).text("HÓA ĐƠN DỊCH VỤ", { align: "center" });
  doc.font("regular").fontSize(10).text(`Số: ${invoice.number} — Kỳ: ${invoice.period} — ${STATUS_LABEL[invoice.status]}`, { align: "center" }).moveDown();
  doc.text(`Đơn vị bán: ${seller.name} (MST ${seller.taxCode})`).text(`Địa chỉ: ${seller.address}`);
  doc.text(`Khách hàng: ${options.customerName ?? invoice.tenantSlug} (${invoice.tenantSlug})`);
  const dates = issueDatesLine(invoice);
  if (dates) doc.text(dates);
  doc.moveDown();

  const x = { desc: 50, qty: 360, unit: 410, amount: 480 };
  const header = doc.y;
  doc.font("bold").text("Nội dung", x.desc, header, { width: 300 }).text("SL", x.qty, header, { width: 45, align: "right" }).text("Đơn giá", x.unit, header, { width: 65, align: "right" }).text("Thành tiền", x.amount, header, { width: 65, align: "right" });
  doc.font("regular").moveDown(0.5);
  for (const line of invoice.lines) {
    const y = doc.y;
    doc.text(`${line.description} (${line.from} → ${line.to})`, x.desc, y, { width: 300 });
    const after = doc.y;
    doc.text(line.code === "gmv" ? "" : line.quantity, x.qty, y, { width: 45, align: "right" });
    doc.text(line.code === "gmv" ? "" : formatVnd(BigInt(line.unitPriceVnd)), x.unit, y, { width: 65, align: "right" });
    doc.text(formatVnd(BigInt(line.amountVnd)), x.amount, y, { width: 65, align: "right" });
    doc.y = Math.max(after, doc.y) + 4;
  }
  doc.moveDown();
  const total = (label: string, amount: bigint, bold = false) => {
    const y = doc.y;
    doc.font(bold ? "bold" : "regular").text(label, 300, y, { width: 175, align: "right" }).text(formatVnd(amount), x.amount - 20, y, { width: 85, align: "right" });
  };
  total("Cộng tiền dịch vụ:", invoice.subtotalVnd);
  total(`Thuế GTGT (${invoice.vatRateBasisPoints / 100}%):`, invoice.vatVnd);
  total("Tổng cộng thanh toán:", invoice.totalVnd, true);
  doc.end();
  return done;
}

/**
 * "Ngày lập: … — Hạn thanh toán: …": the issue date as a Vietnamese calendar day, like the due
 * date. (Invoices are issued at 01:00 in Vietnam, which is the evening before in UTC.)
 */
export function issueDatesLine(invoice: Pick<Invoice, "issuedAt" | "dueOn">): string | undefined {
  if (!invoice.issuedAt) return undefined;
  return `Ngày lập: ${localDateOf(invoice.issuedAt)}${invoice.dueOn ? ` — Hạn thanh toán: ${invoice.dueOn}` : ""}`;
}
