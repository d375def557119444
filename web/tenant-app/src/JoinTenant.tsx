// Shown when the signed-in phone is not yet a member of this tenant: the invite code texted by
// the owner (or a chain's join code) is redeemed at the control plane, which answers with an
// access token that carries the new membership.
import { useState, type FormEvent } from "react";
import { graphql } from "../../shared/graphql.js";
import { useI18n } from "../../shared/i18n.js";
import { controlPlaneOrigin, loadSession, saveSession, type Session } from "../../shared/session.js";

export function JoinTenant({ onJoined, onSignOut }: { onJoined(session: Session): void; onSignOut(): void }) {
  const { t } = useI18n();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function join(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // Join codes come in dashed groups (XXXX-XXXX-XXXX); invite codes are one group of 8.
      const mutation = code.includes("-") ? "joinWithCode" : "acceptInvite";
      const data = await graphql<Record<string, { accessToken: string }>>(
        `${controlPlaneOrigin()}/graphql`,
        `mutation($c: String!) { ${mutation}(code: $c) { accessToken } }`,
        { c: code.trim() },
      );
      const current = loadSession()!;
      const next = { ...current, accessToken: data[mutation]!.accessToken };
      saveSession(next);
      onJoined(next);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <h1>{t("joinTitle")}</h1>
      <p>{t("joinExplain", { phone: loadSession()?.phone ?? "" })}</p>
      <form onSubmit={(e) => void join(e)} aria-label={t("joinTitle")}>
        <label htmlFor="invite-code">{t("inviteCode")}</label>
        <input
          id="invite-code"
          name="invite-code"
          autoComplete="off"
          autoCapitalize="characters"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {t("join")}
        </button>
        <button type="button" className="link" onClick={onSignOut}>
          {t("signOut")}
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
