// The store's issued invoices, downloadable as PDF or CSV.
import { useEffect, useState } from "react";
import { formatVnd } from "../../shared/format.js";
import { useI18n } from "../../shared/i18n.js";
import { downloadInvoice, invoices, type InvoiceSummary } from "./api.js";

export function Billing({ slug }: { slug: string }) {
  const { t } = useI18n();
  const [list, setList] = useState<InvoiceSummary[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setList(undefined);
    invoices(slug).then(setList, (e: Error) => setError(e.message));
  }, [slug]);

  const download = (path: string, name: string) =>
    downloadInvoice(path, name).catch((e: Error) => setError(e.message));

  return (
    <section className="card" aria-labelledby="billing-heading">
      <h1 id="billing-heading">{t("invoices")}</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!list && !error && <p>{t("loading")}</p>}
      {list?.length === 0 && <p className="muted">{t("noInvoices")}</p>}
      {list && list.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("invoiceNumber")}</th>
              <th scope="col">{t("period")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col" className="num">
                {t("total")}
              </th>
              <th scope="col" className="num">
                {t("paid")}
              </th>
              <th scope="col">{t("due")}</th>
              <th scope="col">{t("download")}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr key={i.number}>
                <td>{i.number}</td>
                <td>{i.period}</td>
                <td>{i.status}</td>
                <td className="num">{formatVnd(i.totalVnd)}</td>
                <td className="num">{formatVnd(i.paidVnd)}</td>
                <td>{i.dueOn ?? "—"}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => void download(i.pdf, `${i.number}.pdf`)}
                    aria-label={`PDF ${i.number}`}
                  >
                    PDF
                  </button>
                  <button
                    type="button"
                    className="link"
                    onClick={() => void download(i.csv, `${i.number}.csv`)}
                    aria-label={`CSV ${i.number}`}
                  >
                    CSV
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
