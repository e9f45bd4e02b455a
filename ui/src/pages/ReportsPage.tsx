import { useState } from "react";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, zoneLabel } from "../format";
import { listLines, type Line } from "../api";
import { listUsers } from "../admin/api";
import {
  createSubscription, deleteSubscription, listSubscriptions, preview, previewPdfUrl, sendNow, updateSubscription,
  type Preview, type ReportKind, type Subscription, type SubscriptionIn,
} from "../reports/api";
import { useApi } from "../useApi";
import { useCan, useUser } from "../session";
import { msg, t } from "../i18n";

const REPORT_LABEL: Record<ReportKind, string> = {
  shift_daily: msg("Daily shift report"),
  kpi_weekly: msg("Weekly KPI summary"),
};
const REPORTS: ReportKind[] = ["shift_daily", "kpi_weekly"];

/** Scheduled reports: who gets which report for which lines; preview and send now. */
export function ReportsPage() {
  const manages = useCan("reports:manage");
  const canReadUsers = useCan("users:read");
  const me = useUser();
  const data = useApi(
    () => Promise.all([listSubscriptions(manages), listLines(), manages && canReadUsers ? listUsers() : Promise.resolve([])]),
    [manages, canReadUsers],
  );
  const [editing, setEditing] = useState<{ id: number | null; body: SubscriptionIn } | null>(null);
  const [error, setError] = useState<unknown>();
  const [shown, setShown] = useState<{ preview: Preview; report: ReportKind; lineIds: number[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const header = <PageHeader title={t("Reports")} subtitle={<>{t("Shift reports and weekly KPI summaries by e-mail, with a PDF attached.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [subs, lines, users] = data.data;
  const lineCode = new Map<number, string>(lines.map((l: Line) => [l.id, l.code]));
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    setNotice(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  const save = async () => {
    if (!editing) return;
    const ok = await run(() => editing.id === null ? createSubscription(editing.body) : updateSubscription(editing.id, editing.body));
    if (ok) {
      setEditing(null);
      data.reload();
    }
  };
  const set = (patch: Partial<SubscriptionIn>) => setEditing((e) => e && { ...e, body: { ...e.body, ...patch } });
  const toggleLine = (id: number, on: boolean) => setEditing((e) => e && {
    ...e, body: { ...e.body, line_ids: on ? [...(e.body.line_ids ?? []), id] : (e.body.line_ids ?? []).filter((x) => x !== id) },
  });
  const showPreview = (report: ReportKind, lineIds: number[]) => void run(async () => setShown({ preview: await preview(report, lineIds), report, lineIds }));
  const blank: SubscriptionIn = { report: "shift_daily", line_ids: [], email: "", enabled: true, user_id: null };
  return (
    <>
      {header}
      {error !== undefined && <ErrorState error={error} />}
      {notice && <p className="muted" role="status" data-testid="report-notice">{notice}</p>}
      <section className="panel" data-testid="report-subscriptions">
        <h2 className="panel-title">{manages ? t("Subscriptions of all users") : t("My subscriptions")}</h2>
        {!editing && <button type="button" className="btn btn-primary" data-testid="new-subscription" onClick={() => setEditing({ id: null, body: blank })}>{t("Subscribe")}</button>}
        {editing && (
          <form className="md-form" aria-label={t("Subscription")} onSubmit={(e) => { e.preventDefault(); void save(); }} noValidate>
            <div className="md-fields">
              <label className="field"><span>{t("Report")}</span>
                <select className="input" value={editing.body.report} disabled={editing.id !== null} onChange={(e) => set({ report: e.target.value as ReportKind })}>
                  {REPORTS.map((r) => <option key={r} value={r}>{t(REPORT_LABEL[r])}</option>)}
                </select>
              </label>
              {manages && editing.id === null && users.length > 0 && (
                <label className="field"><span>{t("For user")}</span>
                  <select className="input" value={editing.body.user_id ?? ""} onChange={(e) => set({ user_id: e.target.value ? Number(e.target.value) : null })}>
                    <option value="">{t("Me")}</option>
                    {users.filter((u) => u.id !== me.id).map((u) => <option key={u.id} value={u.id}>{u.username}</option>)}
                  </select>
                </label>
              )}
              <label className="field"><span>{t("E-mail address")}</span>
                <input className="input" type="email" value={editing.body.email} onChange={(e) => set({ email: e.target.value })} />
              </label>
              <fieldset className="field"><legend>{t("Lines")}</legend>
                {lines.map((l: Line) => (
                  <label key={l.id} className="md-check">
                    <input type="checkbox" checked={(editing.body.line_ids ?? []).includes(l.id)} onChange={(e) => toggleLine(l.id, e.target.checked)} /> {l.code}
                  </label>
                ))}
              </fieldset>
              <label className="field"><span>{t("On")}</span>
                <input type="checkbox" checked={editing.body.enabled ?? true} onChange={(e) => set({ enabled: e.target.checked })} />
              </label>
            </div>
            <div className="form-actions">
            <button type="submit" className="btn btn-primary">{t("Save")}</button>{" "}
            <button type="button" className="btn" disabled={(editing.body.line_ids ?? []).length === 0}
              title={(editing.body.line_ids ?? []).length === 0 ? t("Choose lines first") : undefined}
              onClick={() => showPreview(editing.body.report, editing.body.line_ids ?? [])}>{t("Preview")}</button>{" "}
            <button type="button" className="btn" onClick={() => { setEditing(null); setError(undefined); }}>{t("Cancel")}</button>
            </div>
          </form>
        )}
        {subs.length === 0 ? <Empty>{t("No report subscriptions yet.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead><tr><th>{t("Report")}</th><th>{t("User")}</th><th>{t("E-mail address")}</th><th>{t("Lines")}</th><th>{t("On")}</th><th>{t("Last sent")}</th><th></th></tr></thead>
              <tbody>
                {subs.map((s: Subscription) => (
                  <tr key={s.id} data-testid={`subscription-${s.id}`}>
                    <td>{t(REPORT_LABEL[s.report])}</td>
                    <td>{s.username}</td>
                    <td>{s.email}</td>
                    <td>{s.line_ids.map((id) => lineCode.get(id) ?? id).join(", ")}</td>
                    <td>{s.enabled ? t("Yes") : t("No")}</td>
                    <td>{s.last_sent_at ? fmtDateTime(s.last_sent_at) : "–"}</td>
                    <td className="row-actions">
                      <button type="button" className="btn btn-small" onClick={() => setEditing({ id: s.id, body: { report: s.report, line_ids: s.line_ids, email: s.email, enabled: s.enabled, user_id: s.user_id } })}>{t("Edit")}</button>{" "}
                      <button type="button" className="btn btn-small" onClick={() => showPreview(s.report, s.line_ids)}>{t("Preview")}</button>{" "}
                      <button type="button" className="btn btn-small" onClick={() => void run(async () => { await sendNow(s.id); setNotice(t("The report is on its way to {email}.", { email: s.email })); })}>{t("Send now")}</button>{" "}
                      <button type="button" className="btn btn-small" onClick={() => void run(async () => { await deleteSubscription(s.id); data.reload(); })}>{t("Unsubscribe")}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {shown && (
        <section className="panel" data-testid="report-preview">
          <h2 className="panel-title">{t("Preview")}: {shown.preview.subject}</h2>
          <p className="muted">{t("As of {time}", { time: fmtDateTime(shown.preview.as_of) })} · <a href={previewPdfUrl(shown.report, shown.lineIds)} target="_blank" rel="noreferrer" data-testid="preview-pdf">{t("Open the PDF")}</a></p>
          <iframe title={t("Preview")} className="report-preview" sandbox="" srcDoc={shown.preview.html} style={{ width: "100%", minHeight: "28rem", border: "1px solid var(--border, #ccc)", background: "#fff" }} />
        </section>
      )}
    </>
  );
}

