import { useNow } from "./useNow";
import { t } from "../i18n";

/** Shown while the live connection is down: the screen is showing the last known state. */
export function ConnectionBanner({ retryAt, onRetry }: { retryAt: number | null; onRetry: () => void }) {
  const now = useNow();
  const wait = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;
  return (
    <div className="connection-banner" role="alert" data-testid="connection-banner">
      <span className="connection-dot" aria-hidden="true" />
      <div className="connection-text">
        <strong>{t("Connection lost — reconnecting")}</strong>
        <span>{wait > 0 ? t("Next try in {wait} s.", { wait }) : t("Trying now…")} {t("The floor below shows the last known state.")}</span>
      </div>
      <button type="button" className="btn" onClick={onRetry}>{t("Reconnect now")}</button>
    </div>
  );
}
