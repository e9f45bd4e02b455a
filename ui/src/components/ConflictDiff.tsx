// Optimistic concurrency in every editor: when a save finds that someone else changed the
// record since the editor opened it, the editor shows what differs (yours vs theirs) and
// lets the user choose; it never overwrites silently.
import { t } from "../i18n";

export interface DiffRow {
  label: string;
  mine: string;
  theirs: string;
}

export function ConflictDiff({ rows, busy, onKeepTheirs, onOverwrite }: {
  rows: DiffRow[];
  busy?: boolean;
  onKeepTheirs: () => void;
  onOverwrite: () => void;
}) {
  const differing = rows.filter((r) => r.mine !== r.theirs);
  return (
    <div className="conflict" role="alert" data-testid="conflict">
      <strong>{t("Changed by someone else since you opened it")}</strong>
      {differing.length === 0 ? (
        <p>{t("Their version has the same values as yours; saving again keeps them.")}</p>
      ) : (
        <table className="table conflict-table">
          <thead>
            <tr><th>{t("Field")}</th><th>{t("Yours")}</th><th>{t("Theirs")}</th></tr>
          </thead>
          <tbody>
            {differing.map((r) => (
              <tr key={r.label} data-testid="conflict-row">
                <td className="strong">{r.label}</td>
                <td className="conflict-mine">{r.mine || "—"}</td>
                <td className="conflict-theirs">{r.theirs || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="form-actions">
        <button type="button" className="btn" disabled={busy} onClick={onKeepTheirs}>{t("Keep theirs")}</button>
        <button type="button" className="btn btn-primary" disabled={busy} onClick={onOverwrite}>{t("Overwrite with mine")}</button>
      </div>
    </div>
  );
}
