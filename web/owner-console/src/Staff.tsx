// Who works at a store, pending invites, and inviting someone by phone (they get an SMS code).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useI18n } from "../../shared/i18n.js";
import { inviteStaff, staffOf, type StaffView } from "./api.js";

export function Staff({ slug }: { slug: string }) {
  const { t } = useI18n();
  const [view, setView] = useState<StaffView>();
  const [phone, setPhone] = useState("");
  const [role, setRole] = useState<"STAFF" | "MANAGER">("STAFF");
  const [message, setMessage] = useState<{ kind: "notice" | "error"; text: string }>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () => staffOf(slug).then(setView, (e: Error) => setMessage({ kind: "error", text: e.message })),
    [slug],
  );
  useEffect(() => void load(), [load]);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setMessage(undefined);
    try {
      await inviteStaff(slug, phone, role);
      setMessage({ kind: "notice", text: t("invited", { phone }) });
      setPhone("");
      await load();
    } catch (e) {
      setMessage({ kind: "error", text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="invite-heading">
        <h1 id="invite-heading">{t("inviteStaff")}</h1>
        <form onSubmit={(e) => void invite(e)} className="form-grid">
          <div>
            <label htmlFor="invite-phone">{t("phone")}</label>
            <input
              id="invite-phone"
              type="tel"
              required
              value={phone}
              placeholder={t("phoneHint")}
              onChange={(e) => setPhone(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="invite-role">{t("role")}</label>
            <select
              id="invite-role"
              value={role}
              onChange={(e) => setRole(e.target.value as "STAFF" | "MANAGER")}
            >
              <option value="STAFF">{t("STAFF")}</option>
              <option value="MANAGER">{t("MANAGER")}</option>
            </select>
          </div>
          <div style={{ alignSelf: "end" }}>
            <button type="submit" className="primary" disabled={busy}>
              {t("invite")}
            </button>
          </div>
        </form>
        {message && (
          <p role={message.kind === "error" ? "alert" : "status"} className={message.kind}>
            {message.text}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="staff-heading">
        <h2 id="staff-heading">{t("staff")}</h2>
        {!view ? (
          <p>{t("loading")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t("name")}</th>
                <th scope="col">{t("phone")}</th>
                <th scope="col">{t("role")}</th>
              </tr>
            </thead>
            <tbody>
              {view.staff.map((m) => (
                <tr key={m.userId}>
                  <td>{m.name ?? "—"}</td>
                  <td>{m.phone}</td>
                  <td>{t(m.role as "STAFF")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {view && view.invites.some((i) => i.status === "PENDING") && (
        <section className="card" aria-labelledby="invites-heading">
          <h2 id="invites-heading">{t("pendingInvites")}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("phone")}</th>
                <th scope="col">{t("role")}</th>
                <th scope="col">{t("expires")}</th>
              </tr>
            </thead>
            <tbody>
              {view.invites
                .filter((i) => i.status === "PENDING")
                .map((i) => (
                  <tr key={i.id}>
                    <td>{i.phone}</td>
                    <td>{t(i.role as "STAFF")}</td>
                    <td>{i.expiresAt.slice(0, 10)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
