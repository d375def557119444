// Today's figures at one location, live: totals come with every pushed sale (no round trip), and
// the hourly chart and top items are re-read shortly after, once per burst of sales.
import { useCallback, useEffect, useRef, useState } from "react";
import { BarChart } from "../../shared/BarChart.js";
import { formatVnd } from "../../shared/format.js";
import { useI18n } from "../../shared/i18n.js";
import { TopItemsTable } from "../../shared/TopItemsTable.js";
import {
  decideRecommendation,
  fetchRecommendations,
  fetchToday,
  type Recommendation,
  type TodayFigures,
} from "./api.js";
import { subscribeToLocation } from "./realtime.js";

const DETAIL_REFRESH_MS = 400;

export function Dashboard({ locationId }: { locationId: string }) {
  const { t, lang } = useI18n();
  const [figures, setFigures] = useState<TodayFigures>();
  const [totals, setTotals] = useState<{ revenue: number; orders: number }>();
  const [recs, setRecs] = useState<Recommendation[]>();
  const [connected, setConnected] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<Date>();
  const [error, setError] = useState<string>();
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const loadFigures = useCallback(() => {
    fetchToday(locationId).then(
      (f) => {
        setFigures(f);
        setTotals({ revenue: f.todayRevenue, orders: f.todayOrders });
        setUpdatedAt(new Date());
      },
      (e: Error) => setError(e.message),
    );
  }, [locationId]);

  useEffect(() => {
    loadFigures();
    fetchRecommendations().then(setRecs, () => setRecs([]));
    const stop = subscribeToLocation(locationId, {
      onStatus: setConnected,
      onTotals: (live) => {
        setTotals({ revenue: live.revenueVnd, orders: live.orders });
        setUpdatedAt(new Date());
        clearTimeout(refreshTimer.current);
        refreshTimer.current = setTimeout(loadFigures, DETAIL_REFRESH_MS);
      },
    });
    return () => {
      clearTimeout(refreshTimer.current);
      stop();
    };
  }, [locationId, loadFigures]);

  async function decide(id: string, decision: "APPROVED" | "DISMISSED") {
    try {
      await decideRecommendation(id, decision);
      setRecs((current) => current?.filter((r) => r.id !== id));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  if (!figures || !totals) return <p role={error ? "alert" : undefined}>{error ?? t("loading")}</p>;
  const hours = Array.from(
    { length: 24 },
    (_, hour) => figures.dashboard.hourlyTrends.find((h) => h.hour === hour)?.revenue ?? 0,
  );
  const firstHour = Math.min(6, ...figures.dashboard.hourlyTrends.map((h) => h.hour));
  const bars = hours.slice(firstHour).map((value, i) => ({ label: `${firstHour + i}h`, value }));

  return (
    <>
      <div className="dash-head">
        <h1>
          {t("dashboard")} · {figures.today}
        </h1>
        <p
          className={connected ? "live" : "live off"}
          role="status"
          data-testid="live-status"
          data-connected={connected}
        >
          <span>{connected ? t("live") : t("offline")}</span>
          {updatedAt && (
            <span className="muted">
              {" "}
              · {t("lastUpdate", { time: updatedAt.toLocaleTimeString(lang === "vi" ? "vi-VN" : "en-GB") })}
            </span>
          )}
        </p>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <section className="kpis" aria-label={t("dashboard")}>
        <div className="kpi">
          <div className="label" id="kpi-revenue">
            {t("todayRevenue")}
          </div>
          <div className="value" aria-labelledby="kpi-revenue" data-testid="today-revenue">
            {formatVnd(totals.revenue)}
          </div>
        </div>
        <div className="kpi">
          <div className="label" id="kpi-orders">
            {t("todayOrders")}
          </div>
          <div className="value" aria-labelledby="kpi-orders" data-testid="today-orders">
            {totals.orders}
          </div>
        </div>
        <div className="kpi">
          <div className="label" id="kpi-ticket">
            {t("averageTicket")}
          </div>
          <div className="value" aria-labelledby="kpi-ticket">
            {formatVnd(totals.orders ? Math.round(totals.revenue / totals.orders) : 0)}
          </div>
        </div>
      </section>
      <div className="grid-2">
        <section className="card">
          <BarChart title="hourly" labelHeader="hour" bars={bars} />
        </section>
        <section className="card" aria-labelledby="top-heading">
          <h2 id="top-heading">{t("topItems")}</h2>
          {figures.dashboard.topItems.length === 0 ? (
            <p className="muted">{t("noSales")}</p>
          ) : (
            <TopItemsTable
              rows={figures.dashboard.topItems.map((top) => ({
                key: top.item.id,
                name: top.item.name,
                quantity: top.quantity,
                revenueVnd: top.revenue,
              }))}
            />
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="recs-heading">
        <h2 id="recs-heading">{t("recommendations")}</h2>
        {!recs?.length ? (
          <p className="muted">{t("noRecommendations")}</p>
        ) : (
          <ul className="recs">
            {recs.map((r) => (
              <li key={r.id}>
                <h3>{r.title}</h3>
                <p>{r.body}</p>
                <div className="actions">
                  <button
                    type="button"
                    className="primary"
                    onClick={() => void decide(r.id, "APPROVED")}
                    aria-label={`${t("approve")}: ${r.title}`}
                  >
                    {t("approve")}
                  </button>
                  <button
                    type="button"
                    onClick={() => void decide(r.id, "DISMISSED")}
                    aria-label={`${t("dismiss")}: ${r.title}`}
                  >
                    {t("dismiss")}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
