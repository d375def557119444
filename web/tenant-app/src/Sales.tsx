// Sales entry for a busy counter: tap items to add them, adjust quantities, pick payment and
// channel, record. One idempotency key per order, kept across retries, so a double tap or a
// retry after a dropped connection never records the sale twice.
import { useEffect, useMemo, useState } from "react";
import { formatVnd } from "../../shared/format.js";
import { useI18n } from "../../shared/i18n.js";
import {
  createOrder,
  fetchMenu,
  type Channel,
  type MenuCategory,
  type MenuItem,
  type PaymentMethod,
} from "./api.js";

const PAYMENT_METHODS: PaymentMethod[] = ["CASH", "MOMO", "ZALOPAY", "VNPAY", "CARD", "BANK_TRANSFER"];
const CHANNELS: Channel[] = ["DINE_IN", "TAKEAWAY", "DELIVERY"];

export function Sales({ locationId }: { locationId: string }) {
  const { t } = useI18n();
  const [menu, setMenu] = useState<MenuCategory[]>();
  const [quantities, setQuantities] = useState<Map<string, number>>(new Map());
  const [payment, setPayment] = useState<PaymentMethod>("CASH");
  const [channel, setChannel] = useState<Channel>("DINE_IN");
  const [orderKey, setOrderKey] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "notice" | "error"; text: string }>();

  useEffect(() => {
    fetchMenu().then(setMenu, (e: Error) => setMessage({ kind: "error", text: e.message }));
  }, []);

  const items = useMemo(
    () => new Map<string, MenuItem>((menu ?? []).flatMap((c) => c.items.map((i) => [i.id, i] as const))),
    [menu],
  );
  const lines = [...quantities.entries()]
    .filter(([, q]) => q > 0)
    .map(([id, quantity]) => ({ item: items.get(id)!, quantity }));
  const total = lines.reduce((sum, l) => sum + l.item.priceVnd * l.quantity, 0);

  const change = (id: string, delta: number) => {
    setMessage(undefined);
    setQuantities((current) => {
      const next = new Map(current);
      const q = Math.max(0, (next.get(id) ?? 0) + delta);
      if (q === 0) next.delete(id);
      else next.set(id, q);
      return next;
    });
  };
  const clear = () => {
    setQuantities(new Map());
    setOrderKey(crypto.randomUUID());
  };

  async function record() {
    if (!lines.length || busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const result = await createOrder({
        locationId,
        idempotencyKey: orderKey,
        channel,
        paymentMethod: payment,
        lines: lines.map((l) => ({ menuItemId: l.item.id, quantity: l.quantity })),
      });
      setMessage({ kind: "notice", text: t("saleRecorded", { total: formatVnd(result.totalVnd) }) });
      clear();
    } catch (e) {
      // The key is kept: pressing again retries the same sale.
      setMessage({ kind: "error", text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }

  if (!menu) return <p>{message?.text ?? t("loading")}</p>;

  return (
    <div className="sales">
      <section aria-labelledby="menu-heading">
        <h1 id="menu-heading">{t("menu")}</h1>
        {menu.length === 0 && <p>{t("noMenu")}</p>}
        {menu.map((category) => (
          <section key={category.id} aria-label={category.name} className="card">
            <h2>{category.name}</h2>
            <div className="menu-grid">
              {category.items.map((item) => {
                const count = quantities.get(item.id) ?? 0;
                return (
                  <button
                    key={item.id}
                    type="button"
                    className="menu-item"
                    disabled={!item.available}
                    onClick={() => change(item.id, 1)}
                    aria-label={`${t("add")} ${item.name}, ${formatVnd(item.priceVnd)}${count ? ` (${count})` : ""}`}
                  >
                    <span>{item.name}</span>
                    <span className="price">{item.available ? formatVnd(item.priceVnd) : t("soldOut")}</span>
                    {count > 0 && (
                      <span className="count" aria-hidden="true">
                        {count}
                      </span>
                    )}
                  </button>
                );
              })}
            </div>
          </section>
        ))}
      </section>
      <section aria-labelledby="order-heading" className="card">
        <h2 id="order-heading">{t("order")}</h2>
        {lines.length === 0 ? (
          <p className="muted">{t("emptyOrder")}</p>
        ) : (
          <ul className="order-lines">
            {lines.map(({ item, quantity }) => (
              <li key={item.id}>
                <span className="name">{item.name}</span>
                <button
                  type="button"
                  onClick={() => change(item.id, -1)}
                  aria-label={`${t("remove")} ${item.name}`}
                >
                  −
                </button>
                <output aria-label={t("quantityOf", { name: item.name })}>{quantity}</output>
                <button
                  type="button"
                  onClick={() => change(item.id, 1)}
                  aria-label={`${t("add")} ${item.name}`}
                >
                  +
                </button>
                <span className="num">{formatVnd(item.priceVnd * quantity)}</span>
              </li>
            ))}
          </ul>
        )}
        <div className="order-total" aria-live="polite">
          <span>{t("total")}</span>
          <span data-testid="order-total">{formatVnd(total)}</span>
        </div>
        <fieldset className="choices">
          <legend>{t("payment")}</legend>
          {PAYMENT_METHODS.map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="payment"
                value={m}
                checked={payment === m}
                onChange={() => setPayment(m)}
              />
              {t(m)}
            </label>
          ))}
        </fieldset>
        <fieldset className="choices">
          <legend>{t("channel")}</legend>
          {CHANNELS.map((c) => (
            <label key={c}>
              <input
                type="radio"
                name="channel"
                value={c}
                checked={channel === c}
                onChange={() => setChannel(c)}
              />
              {t(c)}
            </label>
          ))}
        </fieldset>
        <div className="actions">
          <button type="button" onClick={clear} disabled={busy || lines.length === 0}>
            {t("clear")}
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => void record()}
            disabled={busy || lines.length === 0}
          >
            {busy ? t("recording") : t("recordSale")}
          </button>
        </div>
        {message && (
          <p role={message.kind === "error" ? "alert" : "status"} className={message.kind}>
            {message.text}
          </p>
        )}
      </section>
    </div>
  );
}
