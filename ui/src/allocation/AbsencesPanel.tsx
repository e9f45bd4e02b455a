// Absences entered by a supervisor: operator, from, to (site time), reason. An absence
// overlapping a shift is a conflict on that shift's board.
import { useState } from "react";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime, zoneLabel } from "../format";
import { t } from "../i18n";
import { useCan } from "../session";
import { siteZone } from "../site";
import { useApi } from "../useApi";
import { instantOf } from "../zoned";
import { addAbsence, deleteAbsence, listAbsences, type BoardOperator } from "./api";

/** A datetime-local value read as the site's wall clock, as an ISO instant. */
function siteInstant(value: string): string {
  return new Date(instantOf(siteZone(), Date.parse(`${value}:00Z`))).toISOString();
}

export function AbsencesPanel({ operators, onChanged }: { operators: BoardOperator[]; onChanged: () => void }) {
  const canWrite = useCan("allocation:write");
  const data = useApi(listAbsences, []);
  const [form, setForm] = useState({ operator_id: 0, from: "", to: "", reason: "" });
  const [error, setError] = useState<unknown>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      data.reload();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" data-testid="absences">
      <h2>{t("Absences")}</h2>
      {error !== undefined && <ErrorState error={error} />}
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : (
        <ul>
          {data.data.length === 0 && <li className="muted">{t("No absences ahead.")}</li>}
          {data.data.map((a) => (
            <li key={a.id} data-testid={`absence-${a.id}`}>
              {a.operator_name}: {fmtDateTime(a.starts_at)} – {fmtDateTime(a.ends_at)} · {a.reason}
              {canWrite && <button type="button" className="btn btn-small" onClick={() => void run(() => deleteAbsence(a.id))}>{t("Delete")}</button>}
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <form className="form-row" data-testid="absence-form" onSubmit={(e) => {
          e.preventDefault();
          void run(() => addAbsence({ operator_id: form.operator_id, starts_at: siteInstant(form.from), ends_at: siteInstant(form.to), reason: form.reason }));
        }}>
          <label>{t("Operator")}
            <select className="input" value={form.operator_id} onChange={(e) => setForm({ ...form, operator_id: Number(e.target.value) })}>
              <option value={0}>—</option>
              {operators.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          </label>
          <label>{t("From ({zone})", { zone: zoneLabel() })}
            <input className="input" type="datetime-local" required value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          </label>
          <label>{t("To ({zone})", { zone: zoneLabel() })}
            <input className="input" type="datetime-local" required value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          </label>
          <label>{t("Reason")}
            <input className="input" required maxLength={200} value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} />
          </label>
          <button type="submit" className="btn btn-primary" disabled={!form.operator_id}>{t("Add absence")}</button>
        </form>
      )}
    </section>
  );
}
