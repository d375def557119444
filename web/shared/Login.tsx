// Phone OTP sign-in: phone number, then the 6-digit code texted to it.
import { useState, type FormEvent } from "react";
import { useI18n } from "./i18n.js";
import { ApiError, requestOtp, saveSession, verifyOtp, type Session } from "./session.js";

export function Login({ title, onSignedIn }: { title: string; onSignedIn(session: Session): void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<"phone" | "code">("phone");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

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

  const sendCode = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await requestOtp(phone);
      setStep("code");
    });
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
            onChange={(e) => setPhone(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t("sendCode")}
          </button>
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
