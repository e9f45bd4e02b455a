import { useEffect, useState, type FormEvent } from "react";
import { ApiError, get, post, type MfaEnabled, type MfaSetup, type User } from "../api";
import { t } from "../i18n";
import { useUser } from "../session";

/** One's own second factor: set up TOTP (any local account may; some roles must). */
export function AccountSecurityPage() {
  // The session's user as of sign-in; MFA may have been turned on since: asked afresh.
  const [user, setUser] = useState<User>(useUser());
  useEffect(() => {
    get<User>("/auth/me").then(setUser, () => undefined);
  }, []);
  const [setup, setSetup] = useState<MfaSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const enabled = user.mfa_enabled || codes !== null;

  const fail = (e: unknown) => {
    setError(e instanceof ApiError ? e : new ApiError(0, t("Error"), String(e)));
    setBusy(false);
  };
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      setSetup(await post<MfaSetup>("/auth/me/mfa", {}));
      setBusy(false);
    } catch (e) {
      fail(e);
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const out = await post<MfaEnabled>("/auth/me/mfa/confirm", { code: code.trim() });
      setCodes(out.recovery_codes);
      setSetup(null);
      setBusy(false);
    } catch (err) {
      fail(err);
    }
  };

  return (
    <div className="page">
      <h1>{t("Two-factor authentication")}</h1>
      <section className="panel" data-testid="account-mfa">
        {error && <div className="form-error" role="alert">{error.detail || error.title}</div>}
        {user.auth_source === "oidc" ? (
          <p>{t("You sign in through your company's sign-on; it asks for the second factor.")}</p>
        ) : codes ? (
          <>
            <p>{t("Keep these recovery codes somewhere safe. Each works once, if the phone is lost. They are not shown again.")}</p>
            <ol className="mono" data-testid="recovery-codes">{codes.map((c) => <li key={c}>{c}</li>)}</ol>
          </>
        ) : enabled ? (
          <p data-testid="mfa-on">{t("Two-factor authentication is on. If you lose your phone and your recovery codes, an admin can reset it.")}</p>
        ) : setup ? (
          <form onSubmit={confirm} noValidate>
            <p>{t("Scan this code with an authenticator app, then enter the code it shows.")}</p>
            <img data-testid="mfa-qr" width="200" height="200" alt={t("QR code for the authenticator app")}
              src={`data:image/svg+xml;utf8,${encodeURIComponent(setup.qr_svg)}`} />
            <p className="muted">{t("Or type this key into the app:")} <code data-testid="mfa-secret">{setup.secret}</code></p>
            <label className="field">
              <span>{t("Authentication code")}</span>
              <input name="code" autoComplete="one-time-code" required value={code}
                onChange={(e) => setCode(e.target.value)} />
            </label>
            <button type="submit" className="btn btn-primary" disabled={busy || !code.trim()}>
              {t("Turn on two-factor authentication")}
            </button>
          </form>
        ) : (
          <>
            <p>{t("A code from an authenticator app on your phone, asked for after the password, keeps your account safe when the password gets out.")}</p>
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void start()}>
              {t("Set up two-factor authentication")}
            </button>
          </>
        )}
      </section>
    </div>
  );
}
