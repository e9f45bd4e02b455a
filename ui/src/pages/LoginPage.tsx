import { useEffect, useState, type FormEvent } from "react";
import {
  ApiError, authProviders, login, mfaEnrol, mfaEnrolConfirm, mfaVerify,
  type AuthProviders, type MfaSetup, type User,
} from "../api";
import { LocaleSwitch } from "../components/Shell";
import { t, useT } from "../i18n";

export function LoginPage({ onSignedIn, expired }: { onSignedIn: (user: User) => void; expired?: boolean }) {
  useT(); // re-render when the language changes; what was typed stays
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // The second factor: "verify" a code, or "enrol" an app first (then see the codes).
  const [step, setStep] = useState<{ kind: "password" } | { kind: "verify"; token: string }
    | { kind: "enrol"; token: string; setup: MfaSetup }
    | { kind: "codes"; codes: string[]; user: User }>({ kind: "password" });
  const [code, setCode] = useState("");
  const [providers, setProviders] = useState<AuthProviders | null>(null);
  // A single sign-on that failed comes back here with the reason.
  const [ssoError] = useState(() => new URLSearchParams(window.location.search).get("sso_error"));

  useEffect(() => {
    authProviders().then(setProviders, () => setProviders(null));
    if (ssoError) window.history.replaceState(null, "", "/");
  }, [ssoError]);

  const fail = (err: unknown) => {
    setError(err instanceof ApiError ? err : new ApiError(0, t("Error"), String(err)));
    setBusy(false);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const out = await login(username.trim(), password);
      if (out.user) return onSignedIn(out.user);
      const token = out.mfa_token ?? "";
      if (out.mfa === "enrol") setStep({ kind: "enrol", token, setup: await mfaEnrol(token) });
      else setStep({ kind: "verify", token });
      setBusy(false);
    } catch (err) {
      fail(err);
    }
  }

  async function submitCode(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (step.kind === "verify") onSignedIn(await mfaVerify(step.token, code.trim()));
      else if (step.kind === "enrol") {
        const out = await mfaEnrolConfirm(step.token, code.trim());
        if (out.user) setStep({ kind: "codes", codes: out.recovery_codes, user: out.user });
        setBusy(false);
      }
    } catch (err) {
      fail(err);
    }
  }

  const fieldError = (f: string) => error?.fieldMessage(f);
  if (step.kind !== "password") {
    return (
      <div className="login-page">
        <form className="login-card" onSubmit={submitCode} noValidate aria-label={t("Two-factor authentication")}>
          <h1>{t("Two-factor authentication")}</h1>
          {error && <div className="form-error" role="alert">{error.detail || error.title}</div>}
          {step.kind === "codes" ? (
            <>
              <p>{t("Keep these recovery codes somewhere safe. Each works once, if the phone is lost. They are not shown again.")}</p>
              <ol className="mono" data-testid="recovery-codes">
                {step.codes.map((c) => <li key={c}>{c}</li>)}
              </ol>
              <button type="button" className="btn btn-primary btn-block" onClick={() => onSignedIn(step.user)}>
                {t("Continue")}
              </button>
            </>
          ) : (
            <>
              {step.kind === "enrol" ? (
                <>
                  <p>{t("Your role signs in with a second factor. Scan this code with an authenticator app, then enter the code it shows.")}</p>
                  <img data-testid="mfa-qr" width="200" height="200" alt={t("QR code for the authenticator app")}
                    src={`data:image/svg+xml;utf8,${encodeURIComponent(step.setup.qr_svg)}`} />
                  <p className="muted">{t("Or type this key into the app:")} <code data-testid="mfa-secret">{step.setup.secret}</code></p>
                </>
              ) : (
                <p>{t("Enter the code from your authenticator app, or one of your recovery codes.")}</p>
              )}
              <label className="field">
                <span>{t("Authentication code")}</span>
                <input name="code" autoComplete="one-time-code" inputMode="text" autoFocus required
                  value={code} onChange={(e) => setCode(e.target.value)}
                  aria-invalid={fieldError("code") ? true : undefined} />
                {fieldError("code") && <small className="field-message">{fieldError("code")}</small>}
              </label>
              <button type="submit" className="btn btn-primary btn-block" disabled={busy || !code.trim()}>
                {step.kind === "enrol" ? t("Turn on two-factor authentication") : t("Verify")}
              </button>
              <button type="button" className="btn btn-block" onClick={() => { setStep({ kind: "password" }); setCode(""); setError(null); setPassword(""); }}>
                {t("Back")}
              </button>
            </>
          )}
        </form>
      </div>
    );
  }
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
        {ssoError && !error && <div className="form-error" role="alert" data-testid="sso-error">{ssoError}</div>}
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
        {providers?.oidc_name && providers.oidc_login_url && (
          <a className="btn btn-block" data-testid="sso-sign-in" href={providers.oidc_login_url}>
            {t("Sign in with {provider}", { provider: providers.oidc_name })}
          </a>
        )}
        <div className="login-locale"><LocaleSwitch /></div>
      </form>
    </div>
  );
}
