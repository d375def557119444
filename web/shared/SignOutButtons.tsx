// Sign out of this browser, or of every device (a lost phone, a shared shop computer; ADR 0509).
// Signing out everywhere asks first, and reports a failure instead of pretending it worked.
import { useI18n } from "./i18n.js";

export function SignOutButtons({
  signOut,
  signOutEverywhere,
  onError,
}: {
  signOut(): void;
  signOutEverywhere(): Promise<void>;
  onError(message: string): void;
}) {
  const { t } = useI18n();
  const everywhere = () => {
    if (!window.confirm(t("signOutEverywhereConfirm"))) return;
    signOutEverywhere().catch((e: Error) => onError(`${t("signOutEverywhereFailed")}: ${e.message}`));
  };
  return (
    <>
      <button type="button" className="link" onClick={signOut}>
        {t("signOut")}
      </button>
      <button type="button" className="link" onClick={everywhere}>
        {t("signOutEverywhere")}
      </button>
    </>
  );
}
