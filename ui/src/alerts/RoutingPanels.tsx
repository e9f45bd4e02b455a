import { useEffect, useState } from "react";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime } from "../format";
import { listAreas } from "../api";
import { msg, t } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import {
  createSilence, createWebhook, expireSilence, listSilences, listSteps, listWebhooks, myPreferences,
  saveMyPreferences, setChain, type ChainIn, type PreferenceIn, type Rule, type SilenceIn, type WebhookIn,
} from "./api";
import { rememberSound } from "./sound";

export const SEVERITY_LABEL: Record<string, string> = {
  critical: msg("Critical"),
  high: msg("High"),
  medium: msg("Medium"),
  low: msg("Low"),
};
const HOOK_KIND: Record<string, string> = { webhook: msg("Webhook"), chat: msg("Chat"), sms: msg("SMS") };

function useAction(onDone: () => void) {
  const [error, setError] = useState<unknown>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      onDone();
      return true;
    } catch (err) {
      setError(err);
      return false;
    }
  };
  return { error, run };
}

/** Silences: alerts matching every given field are not notified until the end time. */
export function SilencesPanel({ rules }: { rules: Rule[] }) {
  const canWrite = useCan("alerts:acknowledge");
  const denied = useDeniedReason("alerts:acknowledge");
  const data = useApi(() => Promise.all([listSilences(), listAreas()]), []);
  const [form, setForm] = useState<SilenceIn>({ comment: "", minutes: 60, rule_id: null, area_id: null, severity: null });
  const { error, run } = useAction(data.reload);
  if (data.error) return <section className="panel"><ErrorState error={data.error} onRetry={data.reload} /></section>;
  if (!data.data) return <section className="panel"><Loading /></section>;
  const [silences, areas] = data.data;
  const ruleName = new Map(rules.map((r) => [r.id, r.name]));
  const areaName = new Map(areas.map((a) => [a.id, a.name]));
  return (
    <section className="panel" data-testid="alert-silences">
      <h2 className="panel-title">{t("Silences")}</h2>
      {!canWrite && denied && <p className="muted">{denied}</p>}
      {error !== undefined && <ErrorState error={error} />}
      {canWrite && (
        <form className="md-form" aria-label={t("New silence")} onSubmit={(e) => { e.preventDefault(); void run(() => createSilence(form)); }}>
          <div className="md-fields">
            <label className="field"><span>{t("Rule")}</span>
              <select className="input" value={form.rule_id ?? ""} onChange={(e) => setForm({ ...form, rule_id: e.target.value ? Number(e.target.value) : null })}>
                <option value="">{t("Any")}</option>
                {rules.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("Area")}</span>
              <select className="input" value={form.area_id ?? ""} onChange={(e) => setForm({ ...form, area_id: e.target.value ? Number(e.target.value) : null })}>
                <option value="">{t("Any")}</option>
                {areas.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("Severity")}</span>
              <select className="input" value={form.severity ?? ""} onChange={(e) => setForm({ ...form, severity: (e.target.value || null) as SilenceIn["severity"] })}>
                <option value="">{t("Any")}</option>
                {Object.entries(SEVERITY_LABEL).map(([k, l]) => <option key={k} value={k}>{t(l)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("For minutes")}</span>
              <input className="input" type="number" min={1} value={form.minutes} onChange={(e) => setForm({ ...form, minutes: Number(e.target.value) })} />
            </label>
            <label className="field"><span>{t("Comment")}</span>
              <input className="input" value={form.comment} maxLength={500} onChange={(e) => setForm({ ...form, comment: e.target.value })} />
            </label>
          </div>
          <button type="submit" className="btn btn-primary" disabled={!form.comment.trim()}>{t("Silence")}</button>
        </form>
      )}
      {silences.length === 0 ? <Empty>{t("No active silences.")}</Empty> : (
        <table className="table">
          <thead><tr><th>{t("Matches")}</th><th>{t("Comment")}</th><th>{t("Until")}</th><th></th></tr></thead>
          <tbody>
            {silences.map((s) => (
              <tr key={s.id} data-testid={`silence-${s.id}`}>
                <td>{[s.rule_id != null && `${t("Rule")}: ${ruleName.get(s.rule_id) ?? s.rule_id}`,
                  s.area_id != null && `${t("Area")}: ${areaName.get(s.area_id) ?? s.area_id}`,
                  s.severity && `${t("Severity")}: ${t(SEVERITY_LABEL[s.severity])}`].filter(Boolean).join(" · ")}</td>
                <td>{s.comment} · {s.created_by}</td>
                <td>{fmtDateTime(s.ends_at)}</td>
                <td>{canWrite && <button type="button" className="btn btn-small" onClick={() => void run(() => expireSilence(s.id))}>{t("Expire now")}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A rule's escalation chain, or a severity's (for rules without their own): who is
 * told, and when, while an alert stays unacknowledged. */
export function EscalationEditor({ rule, severity, onClose }: { rule?: Rule; severity?: string; onClose: () => void }) {
  const steps = useApi(listSteps, []);
  const [rows, setRows] = useState<{ after_minutes: number; username: string }[] | null>(null);
  const { error, run } = useAction(onClose);
  useEffect(() => {
    if (steps.data && rows === null) {
      const mine = rule ? steps.data.filter((s) => s.rule_id === rule.id)
        : steps.data.filter((s) => s.rule_id == null && s.severity === severity);
      setRows(mine.map((s) => ({ after_minutes: s.after_minutes, username: s.username })));
    }
  }, [steps.data, rows, rule, severity]);
  if (!rows) return <Loading />;
  const set = (i: number, patch: Partial<{ after_minutes: number; username: string }>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <form className="md-form" aria-label={t("Escalation chain")} data-testid="escalation-editor"
      onSubmit={(e) => { e.preventDefault(); void run(() => setChain(rule ? { rule_id: rule.id, steps: rows } : { severity: severity as ChainIn["severity"], steps: rows })); }}>
      <h3>{rule ? t("Escalation chain of {rule}", { rule: rule.name }) : t("Escalation chain of every {severity} alert", { severity: t(SEVERITY_LABEL[severity ?? "high"]) })}</h3>
      {error !== undefined && <ErrorState error={error} />}
      {rows.map((r, i) => (
        <div className="md-fields" key={i}>
          <label className="field"><span>{t("After minutes")}</span>
            <input className="input" type="number" min={0} value={r.after_minutes} onChange={(e) => set(i, { after_minutes: Number(e.target.value) })} />
          </label>
          <label className="field"><span>{t("User")}</span>
            <input className="input" value={r.username} onChange={(e) => set(i, { username: e.target.value })} />
          </label>
          <button type="button" className="btn btn-small" onClick={() => setRows(rows.filter((_, j) => j !== i))}>{t("Remove")}</button>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => setRows([...rows, { after_minutes: (rows.at(-1)?.after_minutes ?? 0) + 15, username: "" }])}>{t("Add step")}</button>{" "}
      <button type="submit" className="btn btn-primary">{t("Save chain")}</button>{" "}
      <button type="button" className="btn" onClick={onClose}>{t("Cancel")}</button>
    </form>
  );
}

const EMPTY_HOOK: WebhookIn = { name: "", kind: "webhook", url: "", secret: "", body_template: "", min_severity: "high", enabled: true };

/** Webhooks (signed with HMAC-SHA256); chat and SMS gateways through a JSON body template. */
export function WebhooksPanel() {
  const canWrite = useCan("alerts:rules");
  const hooks = useApi(() => (canWrite ? listWebhooks() : Promise.resolve([])), [canWrite]);
  const [form, setForm] = useState<WebhookIn | null>(null);
  const { error, run } = useAction(() => { setForm(null); hooks.reload(); });
  if (!canWrite) return null;
  return (
    <section className="panel" data-testid="alert-webhooks">
      <h2 className="panel-title">{t("Webhooks, chat and SMS")}</h2>
      {!form && <button type="button" className="btn btn-primary" onClick={() => setForm(EMPTY_HOOK)}>{t("New webhook")}</button>}
      {form && (
        <form className="md-form" aria-label={t("Webhook")} onSubmit={(e) => { e.preventDefault(); void run(() => createWebhook(form)); }}>
          {error !== undefined && <ErrorState error={error} />}
          <div className="md-fields">
            <label className="field"><span>{t("Name")}</span><input className="input" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
            <label className="field"><span>{t("Kind")}</span>
              <select className="input" aria-label={t("Kind")} value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as WebhookIn["kind"] })}>
                {Object.entries(HOOK_KIND).map(([k, l]) => <option key={k} value={k}>{t(l)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("URL")}</span><input className="input" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} /></label>
            <label className="field"><span>{t("Signing secret")}</span><input className="input" type="password" value={form.secret} onChange={(e) => setForm({ ...form, secret: e.target.value })} /></label>
            <label className="field"><span>{t("From severity")}</span>
              <select className="input" value={form.min_severity} onChange={(e) => setForm({ ...form, min_severity: e.target.value as WebhookIn["min_severity"] })}>
                {Object.entries(SEVERITY_LABEL).map(([k, l]) => <option key={k} value={k}>{t(l)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("JSON body template (empty: the kind's default)")}</span>
              <textarea className="input" rows={3} value={form.body_template} onChange={(e) => setForm({ ...form, body_template: e.target.value })} />
            </label>
          </div>
          <button type="submit" className="btn btn-primary">{t("Save webhook")}</button>{" "}
          <button type="button" className="btn" onClick={() => setForm(null)}>{t("Cancel")}</button>
        </form>
      )}
      {hooks.data && hooks.data.length === 0 && <Empty>{t("No webhooks yet.")}</Empty>}
      {hooks.data && hooks.data.length > 0 && (
        <table className="table">
          <thead><tr><th>{t("Name")}</th><th>{t("Kind")}</th><th>{t("URL")}</th><th>{t("From severity")}</th><th>{t("JSON body template (empty: the kind's default)")}</th></tr></thead>
          <tbody>{hooks.data.map((h) => (
            <tr key={h.id} data-testid={`webhook-${h.id}`}><td>{h.name}</td><td>{t(HOOK_KIND[h.kind])}</td><td>{h.url}</td><td>{t(SEVERITY_LABEL[h.min_severity])}</td><td><code>{h.body_template}</code></td></tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}

/** The signed-in user's own notification preferences. */
export function PreferencesPanel() {
  const data = useApi(() => Promise.all([myPreferences(), listAreas()]), []);
  const [form, setForm] = useState<PreferenceIn | null>(null);
  const [saved, setSaved] = useState(false);
  const { error, run } = useAction(() => setSaved(true));
  useEffect(() => {
    if (data.data && form === null) {
      const p = data.data[0];
      setForm({ email: p.email, channels: p.channels as PreferenceIn["channels"], quiet_start: p.quiet_start, quiet_end: p.quiet_end, on_call_area_ids: p.on_call_area_ids, sound: p.sound });
      rememberSound(p.sound);
    }
  }, [data.data, form]);
  if (data.error) return <section className="panel"><ErrorState error={data.error} onRetry={data.reload} /></section>;
  if (!data.data || !form) return <section className="panel"><Loading /></section>;
  const areas = data.data[1];
  const channels = form.channels ?? [];
  const toggle = (c: "email" | "in_app") => setForm({ ...form, channels: channels.includes(c) ? channels.filter((x) => x !== c) : [...channels, c] });
  const onCall = form.on_call_area_ids ?? [];
  return (
    <section className="panel" data-testid="alert-preferences">
      <h2 className="panel-title">{t("My notifications")}</h2>
      <form className="md-form" aria-label={t("My notifications")} onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void run(async () => { const out = await saveMyPreferences({ ...form, quiet_start: form.quiet_start || null, quiet_end: form.quiet_end || null }); rememberSound(out.sound); });
      }}>
        {error !== undefined && <ErrorState error={error} />}
        <div className="md-fields">
          <label className="field"><span>{t("E-mail address")}</span><input className="input" type="email" value={form.email ?? ""} onChange={(e) => setForm({ ...form, email: e.target.value })} /></label>
          <label className="field"><span>{t("E-mail")}</span><input type="checkbox" checked={channels.includes("email")} onChange={() => toggle("email")} /></label>
          <label className="field"><span>{t("In the app")}</span><input type="checkbox" checked={channels.includes("in_app")} onChange={() => toggle("in_app")} /></label>
          <label className="field"><span>{t("Quiet from (site time)")}</span><input className="input" type="time" value={form.quiet_start ?? ""} onChange={(e) => setForm({ ...form, quiet_start: e.target.value })} /></label>
          <label className="field"><span>{t("Quiet until (site time)")}</span><input className="input" type="time" value={form.quiet_end ?? ""} onChange={(e) => setForm({ ...form, quiet_end: e.target.value })} /></label>
          <label className="field"><span>{t("Beep for critical alerts")}</span><input type="checkbox" checked={form.sound ?? false} onChange={(e) => setForm({ ...form, sound: e.target.checked })} /></label>
        </div>
        <fieldset className="md-fields"><legend>{t("On call for")}</legend>
          {areas.map((a) => (
            <label key={a.id} className="field"><span>{a.name}</span>
              <input type="checkbox" checked={onCall.includes(a.id)} onChange={() => setForm({ ...form, on_call_area_ids: onCall.includes(a.id) ? onCall.filter((x) => x !== a.id) : [...onCall, a.id] })} />
            </label>
          ))}
        </fieldset>
        <p className="muted">{t("During quiet hours only critical alerts are e-mailed to you.")}</p>
        <button type="submit" className="btn btn-primary">{t("Save preferences")}</button>
        {saved && <span className="muted" data-testid="prefs-saved"> {t("Saved.")}</span>}
      </form>
    </section>
  );
}
