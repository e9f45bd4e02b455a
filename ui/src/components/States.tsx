import type { ReactNode } from "react";
import { ApiError } from "../api";
import { t } from "../i18n";
import { useRoleRefusal } from "../session";

/**
 * What to tell the user about a failed request: a refusal by role ("role 'operator' lacks
 * permission 'x:y'") becomes "Not available to your role (Operator)."; other details stay.
 */
export function problemText(error: ApiError, refusal: string): string {
  return error.status === 403 && /lacks permission/.test(error.detail) ? refusal : error.detail;
}

export function Loading({ label }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t("Loading…")}
    </div>
  );
}

/** Shows a problem+json `detail` and any per-field messages, with a retry button. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const refusal = useRoleRefusal();
  const api = error instanceof ApiError ? error : null;
  const title = api ? (api.status === 403 ? t("Not allowed") : api.title) : t("Something went wrong");
  const detail = api ? problemText(api, refusal) : error instanceof Error ? error.message : String(error);
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong>
      {detail && <span>{detail}</span>}
      {api && api.errors.length > 0 && (
        <ul className="field-errors">
          {api.errors.map((e, i) => (
            <li key={i}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t("Try again")}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** A failed background refresh: the page keeps showing the last data it had. */
export function StaleNotice({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const refusal = useRoleRefusal();
  const detail = error instanceof ApiError ? problemText(error, refusal) || error.title : String(error);
  return (
    <div className="notice notice-inline" role="status">
      <span>{t("Could not refresh: {detail}", { detail })}</span>
      <button type="button" className="btn-link" onClick={onRetry}>{t("Retry")}</button>
    </div>
  );
}
