// The owner console on app.<domain>: stores and signup, sales across locations, staff, billing.
import { useCallback, useEffect, useState } from "react";
import { LanguageToggle, useI18n, type MessageKey } from "../../shared/i18n.js";
import { Login } from "../../shared/Login.js";
import { SignOutButtons } from "../../shared/SignOutButtons.js";
import { useShell } from "../../shared/shell.js";
import { myTenants, type TenantSummary } from "./api.js";
import { Billing } from "./Billing.js";
import { Rollups } from "./Rollups.js";
import { Staff } from "./Staff.js";
import { Tenants } from "./Tenants.js";

const PAGES = [
  { path: "/", key: "tenants" },
  { path: "/sales", key: "overview" },
  { path: "/staff", key: "staff" },
  { path: "/billing", key: "billing" },
] as const satisfies readonly { path: string; key: MessageKey }[];
type PageKey = (typeof PAGES)[number]["key"];
const pageOf = (path: string): PageKey =>
  PAGES.find((p) => p.path !== "/" && path.startsWith(p.path))?.key ?? "tenants";
const TENANT_KEY = "lsp.console.tenant";

export function App() {
  const { t } = useI18n();
  const { session, setSession, page, navigate: go, signOut, signOutEverywhere } = useShell(pageOf);
  const [tenants, setTenants] = useState<TenantSummary[]>();
  const [selected, setSelected] = useState<string | undefined>(
    () => localStorage.getItem(TENANT_KEY) ?? undefined,
  );
  const [error, setError] = useState<string>();

  const reload = useCallback(() => {
    setError(undefined);
    myTenants().then(
      (list) => {
        setTenants(list);
        setSelected((current) => (list.some((x) => x.slug === current) ? current : list[0]?.slug));
      },
      (e: Error) => setError(e.message),
    );
  }, []);
  useEffect(() => {
    if (session) reload();
  }, [session, reload]);
  useEffect(() => {
    document.title = `LocalStore — ${t(page)}`;
  }, [page, t]);

  if (!session) return <Login title={t("ownerConsole")} onSignedIn={setSession} />;

  const choose = (slug: string) => {
    localStorage.setItem(TENANT_KEY, slug);
    setSelected(slug);
  };
  const owned = tenants?.filter((x) => x.myRole === "OWNER") ?? [];

  return (
    <>
      <header className="topbar">
        <span className="brand">{t("ownerConsole")}</span>
        <nav aria-label={t("ownerConsole")}>
          {PAGES.map((p) => (
            <a
              key={p.key}
              href={p.path}
              aria-current={page === p.key ? "page" : undefined}
              onClick={go(p.key, p.path)}
            >
              {t(p.key)}
            </a>
          ))}
        </nav>
        {owned.length > 1 && (page === "staff" || page === "billing") && (
          <>
            <label className="visually-hidden" htmlFor="tenant">
              {t("tenants")}
            </label>
            <select id="tenant" value={selected} onChange={(e) => choose(e.target.value)}>
              {owned.map((x) => (
                <option key={x.slug} value={x.slug}>
                  {x.displayName}
                </option>
              ))}
            </select>
          </>
        )}
        <LanguageToggle />
        <SignOutButtons signOut={signOut} signOutEverywhere={signOutEverywhere} onError={setError} />
      </header>
      <main className="page">
        {error && (
          <p role="alert" className="error">
            {error}{" "}
            <button type="button" onClick={reload}>
              {t("retry")}
            </button>
          </p>
        )}
        {!tenants && !error && <p>{t("loading")}</p>}
        {tenants && page === "tenants" && <Tenants tenants={tenants} onChanged={reload} />}
        {tenants && page === "overview" && <Rollups />}
        {tenants && page === "staff" && (selected ? <Staff slug={selected} /> : <p>{t("noTenants")}</p>)}
        {tenants && page === "billing" && (selected ? <Billing slug={selected} /> : <p>{t("noTenants")}</p>)}
      </main>
    </>
  );
}
