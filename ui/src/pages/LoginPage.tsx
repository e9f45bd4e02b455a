import { useState, type FormEvent } from "react";
import { ApiError, login, type User } from "../api";
import { LocaleSwitch } from "../components/Shell";
import { t, useT } from "../i18n";

export function LoginPage({ onSignedIn, expired }: { onSignedIn: (user: User) => void; expired?: boolean }) {
  useT(); // re-render when the language changes; what was typed stays
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await login(username.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, t("Error"), String(err)));
      setBusy(false);
    }
  }

  const fieldError = (f: string) => error?.fieldMessage(f);
  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} noValidate>
        <div className="login-brand">
          <svg viewBox="0 0 32 32" width="40" height="40" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#2563eb" />
            <path d="M8 22h16M8 16h11M8 10h6" stroke="white" strokeWidth="3" strokeLinecap="round" />
          </svg>
          <div>
            <h1>Linewise</h1>
            <p className="muted">{t("Manufacturing operations")}</p>
          </div>
        </div>
        {expired && !error && <div className="notice">{t("Your session has ended. Please sign in again.")}</div>}
        {error && (
          <div className="form-error" role="alert">
            {error.detail || error.title}
          </div>
        )}
        <label className="field">
          <span>{t("Username")}</span>
          <input name="username" autoComplete="username" autoCapitalize="none" autoFocus required
            value={username} onChange={(e) => setUsername(e.target.value)}
            aria-invalid={fieldError("username") ? true : undefined} />
          {fieldError("username") && <small className="field-message">{fieldError("username")}</small>}
        </label>
        <label className="field">
          <span>{t("Password")}</span>
          <input name="password" type="password" autoComplete="current-password" required
            value={password} onChange={(e) => setPassword(e.target.value)}
            aria-invalid={fieldError("password") ? true : undefined} />
          {fieldError("password") && <small className="field-message">{fieldError("password")}</small>}
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !username || !password}>
          {busy ? t("Signing in…") : t("Sign in")}
        </button>
        <div className="login-locale"><LocaleSwitch /></div>
      </form>
    </div>
  );
}
