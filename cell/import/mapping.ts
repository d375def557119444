// Which CSV column holds which sale field. Common POS header names are recognised; --map names
// the others ("item=pizza_name_id,date=order_date").

export const FIELDS = ["orderId", "item", "quantity", "date", "time", "unitPrice"] as const;
export type Field = (typeof FIELDS)[number];
export type ColumnMap = Record<Field, number>;

const SYNONYMS: Record<Field, string[]> = {
  orderId: ["order_id", "orderid", "order", "order_no", "bill_id", "bill_no", "receipt_id", "invoice_id", "ma_hoa_don", "so_hoa_don"],
  item: ["item", "item_name", "product", "product_name", "sku", "menu_item", "pizza_name_id", "ten_mon", "mon"],
  quantity: ["quantity", "qty", "so_luong", "sl"],
  date: ["order_date", "date", "sale_date", "ngay", "ngay_ban"],
  time: ["order_time", "time", "sale_time", "gio"],
  unitPrice: ["unit_price", "price", "don_gia", "gia"],
};

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MappingError";
  }
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, "_");
}

/** Parses "--map field=column,field=column". */
export function parseMapOption(value: string | undefined): Partial<Record<Field, string>> {
  const result: Partial<Record<Field, string>> = {};
  if (!value) return result;
  for (const pair of value.split(",").filter(Boolean)) {
    const [field, column] = pair.split("=").map((s) => s.trim());
    if (!field || !column) throw new MappingError(`--map: '${pair}' is not field=column`);
    if (!(FIELDS as readonly string[]).includes(field)) throw new MappingError(`--map: unknown field '${field}' (fields: ${FIELDS.join(", ")})`);
    result[field as Field] = column;
  }
  return result;
}

export function resolveColumns(header: string[], explicit: Partial<Record<Field, string>>): ColumnMap {
  const names = header.map(normalise);
  const map = {} as ColumnMap;
  const missing: string[] = [];
  for (const field of FIELDS) {
    const wanted = explicit[field];
    const index = wanted !== undefined ? names.indexOf(normalise(wanted)) : names.findIndex((n) => SYNONYMS[field].includes(n));
    if (index < 0) {
      missing.push(wanted !== undefined ? `${field}: column '${wanted}' is not in the header` : `${field}: no column named ${SYNONYMS[field].slice(0, 3).join("/")}...; name it with --map ${field}=<column>`);
      continue;
    }
    map[field] = index;
  }
  if (missing.length) throw new MappingError(`cannot map the columns (header: ${header.join(", ")}):\n  ${missing.join("\n  ")}`);
  return map;
}
