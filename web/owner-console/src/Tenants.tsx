// The owner's stores with their provisioning state, and self-serve signup that follows the new
// Tenant until the platform reports it Ready (polling: provisioning takes seconds, not hours).
import { useEffect, useState, type FormEvent } from "react";
import { useI18n } from "../../shared/i18n.js";
import { signupTenant, tenant as fetchTenant, type Plan, type TenantSummary } from "./api.js";

const POLL_MS = 1_000;

export function Tenants({ tenants, onChanged }: { tenants: TenantSummary[]; onChanged(): void }) {
  const { t } = useI18n();
  return (
    <>
      <section className="card" aria-labelledby="tenants-heading">
        <h1 id="tenants-heading">{t("tenants")}</h1>
        {tenants.length === 0 ? (
          <p>{t("noTenants")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t("displayName")}</th>
                <th scope="col">{t("plan")}</th>
                <th scope="col">{t("status")}</th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((x) => (
                <TenantRow key={x.slug} initial={x} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <SignupForm onCreated={onChanged} />
    </>
  );
}

function TenantRow({ initial }: { initial: TenantSummary }) {
  const { t } = useI18n();
  const current = useFollowedTenant(initial);
  const status = current.status;
  return (
    <tr>
      <td>
        {current.displayName} <span className="muted">({current.slug})</span>
      </td>
      <td>{t(current.plan as Plan)}</td>
      <td>
        {status?.ready ? (
          <span className="status ready" data-testid={`status-${current.slug}`}>
            {t("ready")}
            {status.url && (
              <>
                {" · "}
                <a href={status.url}>{t("openStore")}</a>
              </>
            )}
          </span>
        ) : (
          <span className="status" role="status" data-testid={`status-${current.slug}`}>
            {t("provisioning", { phase: status?.phase ?? "…" })}
            {waitingReason(current) && <span className="muted"> — {waitingReason(current)}</span>}
          </span>
        )}
      </td>
    </tr>
  );
}

function waitingReason(x: TenantSummary): string | undefined {
  const notReady = x.status?.conditions?.find((c) => c.status !== "True");
  return notReady ? (notReady.message ?? notReady.reason ?? notReady.type) : undefined;
}

/** Re-reads a tenant every second until it is Ready. */
function useFollowedTenant(initial: TenantSummary): TenantSummary {
  const [current, setCurrent] = useState(initial);
  useEffect(() => setCurrent(initial), [initial]);
  useEffect(() => {
    if (current.status?.ready) return;
    const timer = setTimeout(() => {
      fetchTenant(current.slug).then(
        (next) => setCurrent(next ?? current),
        () => setCurrent({ ...current }),
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [current]);
  return current;
}

function SignupForm({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const [form, setForm] = useState({
    displayName: "",
    slug: "",
    ownerName: "",
    location: "",
    plan: "STARTER" as Plan,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field?: string }>();
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signupTenant({
        slug: form.slug.trim().toLowerCase(),
        displayName: form.displayName.trim(),
        ownerName: form.ownerName.trim(),
        plan: form.plan,
        locations: form.location.trim() ? [{ name: form.location.trim() }] : [],
      });
      setForm({ displayName: "", slug: "", ownerName: form.ownerName, location: "", plan: "STARTER" });
      onCreated();
    } catch (e) {
      setError({ message: (e as Error).message, field: (e as { field?: string }).field });
    } finally {
      setBusy(false);
    }
  }

  const field = (
    id: keyof typeof form,
    label: string,
    extra: { hint?: string; required?: boolean; pattern?: string } = {},
  ) => (
    <div>
      <label htmlFor={`signup-${id}`}>{label}</label>
      <input
        id={`signup-${id}`}
        value={form[id]}
        onChange={(e) => set(id)(e.target.value)}
        required={extra.required ?? true}
        pattern={extra.pattern}
        aria-describedby={extra.hint ? `signup-${id}-hint` : undefined}
        aria-invalid={error?.field === id || undefined}
      />
      {extra.hint && (
        <small id={`signup-${id}-hint`} className="muted">
          {extra.hint}
        </small>
      )}
    </div>
  );

  return (
    <section className="card" aria-labelledby="signup-heading">
      <h2 id="signup-heading">{t("signup")}</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          {field("displayName", t("displayName"))}
          {field("slug", t("slug"), { hint: t("slugHint"), pattern: "[a-z0-9][a-z0-9\\-]{1,38}[a-z0-9]" })}
          {field("ownerName", t("ownerName"))}
          {field("location", t("firstLocation"), { required: false })}
          <div>
            <label htmlFor="signup-plan">{t("plan")}</label>
            <select id="signup-plan" value={form.plan} onChange={(e) => set("plan")(e.target.value)}>
              {(["STARTER", "GROWTH", "CHAIN"] as const).map((p) => (
                <option key={p} value={p}>
                  {t(p)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="actions" style={{ marginTop: "1rem" }}>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t("creating") : t("createTenant")}
          </button>
        </div>
        {error && (
          <p role="alert" className="error">
            {error.message}
          </p>
        )}
      </form>
    </section>
  );
}
