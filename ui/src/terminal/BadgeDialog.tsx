// Give an operator a badge number and a PIN for the terminal (supervisors, managers, admins).
import { useState, type FormEvent } from "react";
import { ApiError, put, type Operator } from "../api";
import { t } from "../i18n";
import { useCan, useDeniedReason } from "../session";

export function BadgeButton({ operator }: { operator: Operator }) {
  const [open, setOpen] = useState(false);
  const can = useCan("people:write");
  const denied = useDeniedReason("people:write");
  return (
    <>
      <button type="button" className="btn" disabled={!can} title={denied ?? undefined} onClick={() => setOpen(true)}>
        {t("Badge & PIN")}
      </button>
      {open && <BadgeDialog operator={operator} onClose={() => setOpen(false)} />}
    </>
  );
}

function BadgeDialog({ operator, onClose }: { operator: Operator; onClose: () => void }) {
  const [badge, setBadge] = useState("");
  const [pin, setPin] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await put(`/operators/${operator.id}/badge`, { badge: badge.trim(), pin });
      setDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : t("Could not save."));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal" role="dialog" aria-modal="true" aria-labelledby="badge-title" onClick={(e) => e.stopPropagation()} onSubmit={submit}>
        <h2 id="badge-title">{t("Terminal sign-in for {name}", { name: operator.name })}</h2>
        <div className="modal-body">
          <div className="field">
            <label htmlFor="badge-number">{t("Badge number")}</label>
            <input id="badge-number" value={badge} autoFocus onChange={(e) => setBadge(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="badge-pin">{t("New PIN (4 to 8 digits)")}</label>
            <input id="badge-pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value.replace(/\D/g, "").slice(0, 8))} />
          </div>
          {error && <p className="text-late" role="alert">{error}</p>}
          {done && <p role="status">{t("Saved. {name} can sign in at the terminal now.", { name: operator.name })}</p>}
        </div>
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>{done ? t("Close") : t("Cancel")}</button>
          <button type="submit" className="btn btn-primary" disabled={busy || !badge.trim() || pin.length < 4}>{t("Save")}</button>
        </div>
      </form>
    </div>
  );
}
