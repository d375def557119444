// The staff app on a tenant subdomain: sign in, pick the location, then sales entry (/) or the
// live dashboard (/dashboard). Plain history routing keeps both pages reloadable and linkable.
import { useCallback, useEffect, useState } from "react";
import { LanguageToggle, useI18n } from "../../shared/i18n.js";
import { Login } from "../../shared/Login.js";
import { SignOutButtons } from "../../shared/SignOutButtons.js";
import { ApiError, type Session } from "../../shared/session.js";
import { useShell } from "../../shared/shell.js";
import { fetchStart, type LocationInfo, type Role } from "./api.js";
import { JoinTenant } from "./JoinTenant.js";
import { Dashboard } from "./Dashboard.js";
import { Sales } from "./Sales.js";

type Page = "sales" | "dashboard";
const pageOf = (path: string): Page => (path.startsWith("/dashboard") ? "dashboard" : "sales");
const LOCATION_KEY = "lsp.location";

export function App() {
  const { t } = useI18n();
  const { session, setSession, page, navigate, signOut: endSession, signOutEverywhere } = useShell(pageOf);
  const [start, setStart] = useState<{ store: string; locations: LocationInfo[]; role: Role }>();
  const [locationId, setLocationId] = useState<string | undefined>(
    () => localStorage.getItem(LOCATION_KEY) ?? undefined,
  );
  const [error, setError] = useState<string>();
  const [notMember, setNotMember] = useState(false);

  const load = useCallback(() => {
    setError(undefined);
    fetchStart().then(
      (data) => {
        setStart({ store: data.tenant.displayName, locations: data.locations, role: data.me.role });
        setLocationId((current) =>
          data.locations.some((l) => l.id === current) ? current : data.locations[0]?.id,
        );
      },
      (e: Error) =>
        e instanceof ApiError && e.code === "FORBIDDEN" ? setNotMember(true) : setError(e.message),
    );
  }, []);
  useEffect(() => {
    if (session) load();
  }, [session, load]);
  useEffect(() => {
    document.title = `${start?.store ?? "LocalStore"} — ${t(page)}`;
  }, [start, page, t]);

  if (!session) return <Login title={t("signIn")} onSignedIn={setSession} />;

  const go = (next: Page) => navigate(next, next === "sales" ? "/" : "/dashboard");
  const signOut = () => {
    endSession();
    setNotMember(false);
  };
  if (notMember) {
    const joined = (next: Session) => {
      setNotMember(false);
      setSession(next);
    };
    return <JoinTenant onJoined={joined} onSignOut={signOut} />;
  }
  const chooseLocation = (id: string) => {
    localStorage.setItem(LOCATION_KEY, id);
    setLocationId(id);
  };

  // Revenue figures are for managers and owners; staff get the sales screen only.
  const canSeeDashboard = start?.role !== "STAFF";

  return (
    <>
      <header className="topbar">
        <span className="brand">{start?.store ?? t("appName")}</span>
        <nav aria-label={t("appName")}>
          <a href="/" aria-current={page === "sales" ? "page" : undefined} onClick={go("sales")}>
            {t("sales")}
          </a>
          {canSeeDashboard && (
            <a
              href="/dashboard"
              aria-current={page === "dashboard" ? "page" : undefined}
              onClick={go("dashboard")}
            >
              {t("dashboard")}
            </a>
          )}
        </nav>
        {start && start.locations.length > 1 && (
          <label className="visually-hidden" htmlFor="location">
            {t("location")}
          </label>
        )}
        {start && start.locations.length > 1 && (
          <select id="location" value={locationId} onChange={(e) => chooseLocation(e.target.value)}>
            {start.locations.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        )}
        <LanguageToggle />
        <SignOutButtons signOut={signOut} signOutEverywhere={signOutEverywhere} onError={setError} />
      </header>
      <main className="page">
        {error && (
          <p role="alert" className="error">
            {error}{" "}
            <button type="button" onClick={load}>
              {t("retry")}
            </button>
          </p>
        )}
        {!start && !error && <p>{t("loading")}</p>}
        {start &&
          locationId &&
          (page === "dashboard" && canSeeDashboard ? (
            <Dashboard locationId={locationId} />
          ) : (
            <Sales locationId={locationId} />
          ))}
      </main>
    </>
  );
}
