// Phone OTP sign-in: phone number, then the 6-digit code texted to it.
import { useState, type FormEvent } from "react";
import { ChallengeWidget } from "./ChallengeWidget.js";
import { useI18n } from "./i18n.js";
import { ApiError, requestOtp, saveSession, verifyOtp, type ChallengeOffer, type Session } from "./session.js";

export function Login({ title, onSignedIn }: { title: string; onSignedIn(session: Session): void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<"phone" | "code">("phone");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // Offered when strangers have spent this phone's codes: solving it asks again at once (ADR 0510).
  const [challenge, setChallenge] = useState<{ offer: ChallengeOffer; attempt: number }>();

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const ask = (challengeToken?: string) =>
    run(async () => {
      try {
        await requestOtp(phone, challengeToken);
      } catch (e) {
        if (e instanceof ApiError && e.challenge) setChallenge({ offer: e.challenge, attempt: 0 });
        // A used or expired solution: a fresh widget to solve again.
        else if (e instanceof ApiError && e.code === "CHALLENGE_FAILED")
          setChallenge((c) => c && { ...c, attempt: c.attempt + 1 });
        throw e;
      }
      setChallenge(undefined);
      setStep("code");
    });
  const sendCode = (event: FormEvent) => {
    event.preventDefault();
    void ask();
  };
  const verify = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const session = await verifyOtp(phone, code.trim());
      saveSession(session);
      onSignedIn(session);
    });
  };

  return (
    <main className="login">
      <h1>{title}</h1>
      {step === "phone" ? (
        <form onSubmit={sendCode} aria-label={t("signIn")}>
          <label htmlFor="phone">{t("phone")}</label>
          <input
            id="phone"
            name="phone"
            type="tel"
            inputMode="tel"
            autoComplete="tel"
            required
            placeholder={t("phoneHint")}
            value={phone}
            onChange={(e) => {
              setPhone(e.target.value);
              setChallenge(undefined);
            }}
          />
          {challenge ? (
            <>
              <p>{t("challengeNeeded")}</p>
              <ChallengeWidget
                offer={challenge.offer}
                attempt={challenge.attempt}
                onSolved={(token) => void ask(token)}
                onError={setError}
              />
            </>
          ) : (
            <button type="submit" className="primary" disabled={busy}>
              {t("sendCode")}
            </button>
          )}
        </form>
      ) : (
        <form onSubmit={verify} aria-label={t("verify")}>
          <p>{t("codeSent", { phone })}</p>
          <label htmlFor="code">{t("code")}</label>
          <input
            id="code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoFocus
          />
          <button type="submit" className="primary" disabled={busy}>
            {t("verify")}
          </button>
          <button type="button" className="link" onClick={() => setStep("phone")}>
            {t("changePhone")}
          </button>
        </form>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
