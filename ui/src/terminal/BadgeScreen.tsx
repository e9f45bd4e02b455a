// Sign-in at a shared terminal: badge number, then the PIN on a big keypad.
import { useState, type FormEvent } from "react";
import type { Schemas } from "../api";
import { t } from "../i18n";
import { badgeSignIn } from "./net";

export type BadgeLogin = Schemas["BadgeLoginOut"];

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "⌫"];

export function BadgeScreen({ onSignedIn }: { onSignedIn: (out: BadgeLogin) => void }) {
  const [badge, setBadge] = useState("");
  const [pin, setPin] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const press = (k: string) => {
    if (k === "⌫") setPin((p) => p.slice(0, -1));
    else if (k && pin.length < 8) setPin((p) => p + k);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!badge || !pin) return;
    setBusy(true);
    setError(null);
    try {
      const res = await badgeSignIn(badge.trim(), pin);
      if (res.ok) {
        onSignedIn((await res.json()) as BadgeLogin);
        return;
      }
      setPin("");
      if (res.status === 429) {
        const wait = res.headers.get("Retry-After") ?? "";
        setError(t("Too many wrong PINs. Try again in {seconds} s.", { seconds: wait }));
      } else setError(t("Wrong badge or PIN."));
    } catch {
      setError(t("Cannot reach the server. Check the network and try again."));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="term-badge" onSubmit={submit}>
      <h1>{t("Operator sign-in")}</h1>
      <label className="term-field">
        <span>{t("Badge number")}</span>
        <input name="badge" inputMode="numeric" autoComplete="off" autoFocus value={badge}
          onChange={(e) => setBadge(e.target.value)} />
      </label>
      <label className="term-field">
        <span>{t("PIN")}</span>
        <input name="pin" type="password" inputMode="numeric" autoComplete="off" value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, "").slice(0, 8))} />
      </label>
      <div className="term-keypad" role="group" aria-label={t("PIN keypad")}>
        {KEYS.map((k, i) =>
          k ? (
            <button type="button" key={i} className="term-key" onClick={() => press(k)}
              aria-label={k === "⌫" ? t("Delete digit") : k}>
              {k}
            </button>
          ) : (
            <span key={i} />
          ),
        )}
      </div>
      {error && <p className="term-error" role="alert">{error}</p>}
      <button type="submit" className="term-btn term-btn-primary" disabled={busy || !badge || !pin}>
        {busy ? t("Signing in…") : t("Sign in")}
      </button>
    </form>
  );
}
