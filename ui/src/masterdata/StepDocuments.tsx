// A routing step's work instructions: the attached files (opened in the browser's own
// viewer), an upload for those who may write them, and remove.
import { useRef, useState } from "react";
import { del, get, uploadFile } from "../api";
import type { components } from "../api.gen";
import { ErrorState } from "../components/States";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { useCan } from "../session";

export type StepDocument = components["schemas"]["DocumentOut"];
const WRITE = "documents:write";
// What the server accepts (it checks the bytes; this only narrows the file picker).
const ACCEPT = "application/pdf,image/png,image/jpeg,image/gif,image/webp";

export function StepDocuments({ stepId, stepName }: { stepId: number; stepName: string }) {
  const canWrite = useCan(WRITE);
  const docs = useApi(() => get<StepDocument[]>(`/routing-steps/${stepId}/documents`), [stepId]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    setBusy(true);
    try {
      await action();
      docs.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  };
  return (
    <div className="step-docs" data-testid={`step-documents-${stepId}`}>
      {error !== undefined && <ErrorState error={error} />}
      {(docs.data ?? []).length > 0 && (
        <ul className="plain-list">
          {(docs.data ?? []).map((d) => (
            <li key={d.id}>
              <a href={d.url} target="_blank" rel="noreferrer">{d.filename}</a>{" "}
              <span className="muted">({Math.max(1, Math.round(d.size / 1024))} KB)</span>
              {canWrite && (
                <button type="button" className="btn-link md-danger" disabled={busy}
                  aria-label={t("Remove {name}", { name: d.filename })}
                  onClick={() => void run(() => del(`/documents/${d.id}`))}>{t("Remove")}</button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <label className="btn btn-small">
          {t("Attach work instruction")}
          <input ref={input} type="file" accept={ACCEPT} hidden disabled={busy}
            aria-label={t("Attach a work instruction to {step}", { step: stepName })}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void run(() => uploadFile(`/routing-steps/${stepId}/documents`, {}, file));
            }} />
        </label>
      )}
    </div>
  );
}
