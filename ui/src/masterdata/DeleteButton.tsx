import { useState } from "react";
import { ApiError } from "../api";
import { t } from "../i18n";

/** Delete in two clicks (no browser dialog); a record still in use says so in words. */
export function DeleteButton({ what, onDelete, onDeleted }: {
  /** The record's name, for the button's accessible name ("Delete SMT-1"). */
  what: string;
  onDelete: () => Promise<void>;
  onDeleted: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onDelete();
      setAsking(false);
      onDeleted();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409
        ? t("{what} is still in use and cannot be deleted.", { what })
        : e instanceof ApiError ? e.detail || e.title : String(e));
    } finally {
      setBusy(false);
    }
  };
  if (!asking) {
    return (
      <button type="button" className="btn-link md-danger" aria-label={t("Delete {what}", { what })} onClick={() => setAsking(true)}>
        {t("Delete")}
      </button>
    );
  }
  return (
    <span className="md-confirm" role="group" aria-label={t("Delete {what}?", { what })}>
      <span>{t("Delete {what}?", { what })}</span>
      <button type="button" className="btn md-danger" disabled={busy} onClick={() => void confirm()}>{t("Yes, delete")}</button>
      <button type="button" className="btn" onClick={() => { setAsking(false); setError(null); }}>{t("Keep")}</button>
      {error && <span className="field-message" role="alert">{error}</span>}
    </span>
  );
}

/** A small "Edit …" link-button whose accessible name names the record. */
export function EditButton({ what, onClick, label }: { what: string; onClick: () => void; label?: string }) {
  return (
    <button type="button" className="btn-link" aria-label={t("Edit {what}", { what })} onClick={onClick}>
      {label ?? t("Edit")}
    </button>
  );
}
