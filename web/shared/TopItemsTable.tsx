// Best sellers as a table (item, quantity, revenue): the same block on the staff dashboard and in
// the owner's rollup, fed from different APIs.
import { formatVnd } from "./format.js";
import { useI18n } from "./i18n.js";

export interface TopItemRow {
  key: string;
  name: string;
  quantity: number;
  revenueVnd: number;
}

export function TopItemsTable({ rows }: { rows: TopItemRow[] }) {
  const { t } = useI18n();
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t("item")}</th>
          <th scope="col" className="num">
            {t("quantity")}
          </th>
          <th scope="col" className="num">
            {t("revenue")}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <td>{row.name}</td>
            <td className="num">{row.quantity}</td>
            <td className="num">{formatVnd(row.revenueVnd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
