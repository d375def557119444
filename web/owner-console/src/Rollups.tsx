// Sales across every store and location the owner has, from the cells' daily aggregates.
import { useEffect, useState } from "react";
import { BarChart } from "../../shared/BarChart.js";
import { daysBefore, formatVnd, vietnamToday } from "../../shared/format.js";
import { useI18n } from "../../shared/i18n.js";
import { TopItemsTable } from "../../shared/TopItemsTable.js";
import { ownerRollup, type OwnerRollup } from "./api.js";

export function Rollups() {
  const { t } = useI18n();
  const [days, setDays] = useState(7);
  const [rollup, setRollup] = useState<OwnerRollup | null>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const to = vietnamToday();
    setError(undefined);
    ownerRollup(daysBefore(to, days - 1), to).then(setRollup, (e: Error) => setError(e.message));
  }, [days]);

  return (
    <>
      <div className="card">
        <h1>{t("overview")}</h1>
        <fieldset className="choices">
          <legend>{t("period")}</legend>
          {[7, 30].map((n) => (
            <label key={n}>
              <input type="radio" name="period" checked={days === n} onChange={() => setDays(n)} />
              {t(n === 7 ? "last7" : "last30")}
            </label>
          ))}
        </fieldset>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {rollup === undefined && !error && <p>{t("loading")}</p>}
      {rollup === null && <p>{t("noTenants")}</p>}
      {rollup && (
        <>
          <section className="kpis" aria-label={t("overview")}>
            <Kpi label={t("revenue")} value={formatVnd(rollup.total.revenueVnd)} testId="rollup-revenue" />
            <Kpi label={t("orders")} value={String(rollup.total.orders)} />
            <Kpi label={t("averageTicket")} value={formatVnd(rollup.total.averageTicketVnd)} />
          </section>
          <div className="grid-2">
            <section className="card">
              <BarChart title="daily" labelHeader="period" bars={dailyBars(rollup, days)} />
            </section>
            <section className="card" aria-labelledby="rollup-top">
              <h2 id="rollup-top">{t("topItems")}</h2>
              <TopItemsTable
                rows={rollup.total.topItems.map((i) => ({
                  key: `${i.tenantSlug}/${i.itemName}`,
                  name: i.itemName,
                  quantity: i.quantity,
                  revenueVnd: i.revenueVnd,
                }))}
              />
            </section>
          </div>
          <section className="card" aria-labelledby="rollup-locations">
            <h2 id="rollup-locations">{t("byLocation")}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t("tenants")}</th>
                  <th scope="col">{t("location")}</th>
                  <th scope="col" className="num">
                    {t("orders")}
                  </th>
                  <th scope="col" className="num">
                    {t("revenue")}
                  </th>
                  <th scope="col" className="num">
                    {t("averageTicket")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rollup.tenants.flatMap((x) =>
                  x.locations.map((l) => (
                    <tr key={`${x.tenantSlug}/${l.locationId}`}>
                      <td>{x.tenantSlug}</td>
                      <td>{l.locationName}</td>
                      <td className="num">{l.total.orders}</td>
                      <td className="num">{formatVnd(l.total.revenueVnd)}</td>
                      <td className="num">{formatVnd(l.total.averageTicketVnd)}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </section>
        </>
      )}
    </>
  );
}

function Kpi({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="kpi">
      <div className="label">{label}</div>
      <div className="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

// Days without sales are absent from the rollup; the chart shows them as zero so gaps are visible.
function dailyBars(rollup: OwnerRollup, days: number) {
  const byDay = new Map(rollup.periods.map((p) => [p.periodStart, p.revenueVnd]));
  const to = vietnamToday();
  return Array.from({ length: days }, (_, i) => {
    const day = daysBefore(to, days - 1 - i);
    return { label: day.slice(5), value: byDay.get(day) ?? 0 };
  });
}
