import { useEffect, useState } from "react";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { siteTime, timeColumn } from "../exchange/tables";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, zoneLabel } from "../format";
import { listAreas, listLines, listMachines } from "../api";
import {
  ALERT_EVENT, acknowledgeAlert, createRule, listAlerts, listRules, resolveAlert, shelveAlert, unshelveAlert, updateRule,
  type Alert, type AlertState, type Rule, type RuleIn,
} from "../alerts/api";
import { FiguresPanel } from "../alerts/FiguresPanel";
import { EscalationEditor, PreferencesPanel, SilencesPanel, WebhooksPanel } from "../alerts/RoutingPanels";
import { useApi } from "../useApi";
import { useCan, useDeniedReason } from "../session";
import { msg, t } from "../i18n";

const STATES: AlertState[] = ["firing", "acknowledged", "resolved"];
const STATE_LABEL: Record<AlertState, string> = {
  firing: msg("Firing"),
  acknowledged: msg("Acknowledged"),
  resolved: msg("Resolved"),
};
const SEVERITY_LABEL: Record<string, string> = {
  critical: msg("Critical"),
  high: msg("High"),
  medium: msg("Medium"),
  low: msg("Low"),
};
const KIND_LABEL: Record<string, string> = {
  machine_down: msg("Machine down longer than N minutes"),
  stop_without_reason: msg("Stop without a reason after N minutes"),
  idle_risk: msg("Idle risk above 80 % within 15 minutes"),
  no_data: msg("No data from a machine for N minutes"),
  line_down: msg("Whole line down longer than N minutes"),
  availability_below: msg("Availability below target % this shift"),
  oee_below: msg("OEE below target % this shift"),
  order_late: msg("Order late against its due date"),
  quarantine_filling: msg("More than target events quarantined in N minutes"),
  material_below: msg("Material stock below target"),
  late_risk: msg("Order's late risk at or above target %"),
  spc_violation: msg("A characteristic out of control for N minutes"),
  material_short: msg("An open order short of material"),
  maintenance_due: msg("Preventive maintenance due N minutes ago and not started"),
  predicted_failure: msg("An early warning of a failure (anomaly or condition) for N minutes"),
  maintenance_warning: msg("A machine's anomaly warning open for N minutes (once per episode)"),
};
const NEEDS_TARGET = ["availability_below", "oee_below", "quarantine_filling", "material_below", "late_risk"];
const SUPPRESSED_LABEL: Record<string, string> = {
  shelved: msg("Shelved"),
  silenced: msg("Silenced"),
  inhibited: msg("Explained by a line down"),
};

/** The alert in the reader's language, from its kind and subject. */
function alertText(a: Alert): string {
  const v = { machine: a.machine_name, n: a.threshold_minutes, subject: a.subject_name };
  switch (a.kind) {
    case "machine_down": return t("{machine} down longer than {n} min", v);
    case "stop_without_reason": return t("{machine}: stop without a reason after {n} min", v);
    case "no_data": return t("{machine}: no data for {n} min", v);
    case "line_down": return t("Line {subject} down longer than {n} min (first: {machine})", v);
    case "availability_below": return t("{machine}: availability below target this shift", v);
    case "oee_below": return t("{machine}: OEE below target this shift", v);
    case "order_late": return t("Order {subject} late against its due date", v);
    case "material_below": return t("Material {subject} below its level", v);
    case "idle_risk": return t("{machine}: idle risk above 80 % within 15 min", v);
    case "late_risk": return t("Order {subject} at risk of missing its due date", v);
    case "spc_violation": return t("Out of control: {subject}", v);
    case "material_short": return t("Material short: {subject}", v);
    case "maintenance_due": return t("Maintenance due: {subject}", v);
    case "predicted_failure": return t("Early warning: {subject}", v);
    case "maintenance_warning": return t("Warning: {subject}", v);
    default: return t("Ingest quarantine filling up: {subject}", v);
  }
}

const FLOOD_ABOVE = 10; // ISA-18.2: more than 10 alerts in 10 minutes is a flood
const FLOOD_WINDOW_MS = 10 * 60_000;

/** A flood: more than 10 of these alerts fired in the last 10 minutes. */
function inFlood(alerts: Alert[]): boolean {
  const since = Date.now() - FLOOD_WINDOW_MS;
  return alerts.filter((a) => Date.parse(a.fired_at) >= since).length > FLOOD_ABOVE;
}

/** Root causes first: each alert a line down explains comes right after that alert; in
 * a flood the oldest come first (the first to fire is the likely cause). */
function rootCauseFirst(alerts: Alert[]): Alert[] {
  const ids = new Set(alerts.map((a) => a.id));
  const ordered = inFlood(alerts) ? [...alerts].sort((a, b) => Date.parse(a.fired_at) - Date.parse(b.fired_at) || a.id - b.id) : alerts;
  const roots = ordered.filter((a) => a.inhibited_by == null || !ids.has(a.inhibited_by));
  return roots.flatMap((r) => [r, ...alerts.filter((a) => a.inhibited_by === r.id)]);
}
/** The alerts of one state as the table lists them (root causes first). */
export function alertsTable(alerts: Alert[]): ExportTable {
  return {
    title: t("Alerts"),
    columns: [
      t("Severity"), t("Alert"), t("Rule"), t("State"), t("Suppressed"), timeColumn(t("Fired")), timeColumn(t("Acknowledged")),
      t("Acknowledged by"), t("Comment"), timeColumn(t("Resolved")), t("Resolved by"),
    ],
    rows: alerts.map((a) => [
      t(SEVERITY_LABEL[a.severity] ?? a.severity), alertText(a), a.rule_name, t(STATE_LABEL[a.state] ?? a.state),
      a.suppressed ? t(SUPPRESSED_LABEL[a.suppressed] ?? a.suppressed) : null,
      siteTime(a.fired_at), siteTime(a.acknowledged_at), a.acknowledged_by ?? null, a.ack_comment ?? null,
      siteTime(a.resolved_at), a.resolved_by === "system" ? t("condition cleared") : a.resolved_by ?? null,
    ]),
  };
}

const SCOPE_LABEL: Record<string, string> = {
  site: msg("Whole site"),
  area: msg("Area"),
  line: msg("Line"),
  machine: msg("Machine"),
};

/** Alerts: what fires now, acknowledge with a comment, resolve; the rules below. */
export function AlertsPage() {
  const [state, setState] = useState<AlertState>("firing");
  const data = useApi(() => listAlerts(state), [state]);
  const { reload } = data;
  useEffect(() => {
    window.addEventListener(ALERT_EVENT, reload);
    return () => window.removeEventListener(ALERT_EVENT, reload);
  }, [reload]);
  const header = <PageHeader title={t("Alerts")} subtitle={<>{t("Machines that need attention, from the alert rules.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />;
  return (
    <>
      {header}
      <nav className="admin-tabs" aria-label={t("Alert states")}>
        {STATES.map((s) => (
          <button key={s} type="button" className={`btn btn-small${s === state ? " btn-primary" : ""}`}
            aria-pressed={s === state} data-testid={`alerts-tab-${s}`} onClick={() => setState(s)}>
            {t(STATE_LABEL[s])}
          </button>
        ))}
      </nav>
      <section className="panel" data-testid="alerts">
        {data.error ? <ErrorState error={data.error} onRetry={reload} />
          : !data.data ? <Loading />
          : data.data.length === 0 ? <Empty>{t("No alerts in this state.")}</Empty>
          : <>
            <ExportButton label={t("Alerts")} table={() => alertsTable(rootCauseFirst(data.data!))} />
            {inFlood(data.data) && <p className="badge badge-late" data-testid="alerts-flood">{t("Alarm flood: the first to fire is listed first.")}</p>}
            <AlertTable alerts={rootCauseFirst(data.data)} onChanged={reload} />
          </>}
      </section>
      <RulesPanel />
      <WebhooksPanel />
      <PreferencesPanel />
      <FiguresPanel />
    </>
  );
}

function AlertTable({ alerts, onChanged }: { alerts: Alert[]; onChanged: () => void }) {
  const canAct = useCan("alerts:acknowledge");
  const denied = useDeniedReason("alerts:acknowledge");
  const [comments, setComments] = useState<Record<number, string>>({});
  const [shelfMinutes, setShelfMinutes] = useState<Record<number, number>>({});
  const [error, setError] = useState<unknown>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      {error !== undefined && <ErrorState error={error} />}
      {!canAct && denied && <p className="muted">{denied}</p>}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr><th>{t("Severity")}</th><th>{t("Alert")}</th><th>{t("Rule")}</th><th>{t("Fired")}</th><th>{t("Acknowledged")}</th><th>{t("Resolved")}</th><th></th></tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id} data-testid={`alert-${a.id}`} className={a.inhibited_by != null ? "alert-inhibited" : undefined}>
                <td><span className={`badge${a.severity === "critical" || a.severity === "high" ? " badge-late" : ""}`}>{t(SEVERITY_LABEL[a.severity] ?? a.severity)}</span></td>
                <td>{a.inhibited_by != null && "↳ "}{alertText(a)}
                  {a.suppressed && <div className="muted" data-testid="alert-suppressed">{t(SUPPRESSED_LABEL[a.suppressed] ?? a.suppressed)}
                    {a.suppressed === "shelved" && a.shelved_until && <> · {t("until {time}", { time: fmtDateTime(a.shelved_until) })} · {a.shelved_by}: {a.shelve_comment}</>}</div>}
                  {a.escalation_level > 0 && <div className="muted">{t("Escalated: step {n}", { n: a.escalation_level })}</div>}</td>
                <td>{a.rule_name}</td>
                <td>{fmtDateTime(a.fired_at)}</td>
                <td>{a.acknowledged_at && <>{fmtDateTime(a.acknowledged_at)} · {a.acknowledged_by}<div className="muted" data-testid="ack-comment">{a.ack_comment}</div></>}</td>
                <td>{a.resolved_at && <>{fmtDateTime(a.resolved_at)} · {a.resolved_by === "system" ? t("condition cleared") : a.resolved_by}</>}</td>
                <td>
                  {canAct && a.state === "firing" && (
                    <form className="alert-ack" onSubmit={(e) => { e.preventDefault(); void run(() => acknowledgeAlert(a.id, comments[a.id] ?? "")); }}>
                      <input className="input" aria-label={t("Comment")} placeholder={t("What is being done?")} required maxLength={500}
                        value={comments[a.id] ?? ""} onChange={(e) => setComments((c) => ({ ...c, [a.id]: e.target.value }))} />
                      <button type="submit" className="btn btn-small btn-primary" disabled={!(comments[a.id] ?? "").trim()}
                        title={(comments[a.id] ?? "").trim() ? undefined : t("Write a comment first")}>{t("Acknowledge")}</button>
                    </form>
                  )}
                  {canAct && a.state !== "resolved" && (
                    <button type="button" className="btn btn-small" onClick={() => void run(() => resolveAlert(a.id))}>{t("Resolve")}</button>
                  )}
                  {canAct && a.state !== "resolved" && (a.suppressed === "shelved" ? (
                    <button type="button" className="btn btn-small" onClick={() => void run(() => unshelveAlert(a.id))}>{t("Unshelve")}</button>
                  ) : (
                    <span className="alert-shelve">
                      <select className="input" aria-label={t("Shelve for")} value={shelfMinutes[a.id] ?? 60}
                        onChange={(e) => setShelfMinutes((m) => ({ ...m, [a.id]: Number(e.target.value) }))}>
                        {[30, 60, 240, 480].map((m) => <option key={m} value={m}>{t("{n} min", { n: m })}</option>)}
                      </select>
                      <button type="button" className="btn btn-small" disabled={!(comments[a.id] ?? "").trim()}
                        title={(comments[a.id] ?? "").trim() ? undefined : t("Write a comment first")}
                        onClick={() => void run(() => shelveAlert(a.id, shelfMinutes[a.id] ?? 60, comments[a.id] ?? ""))}>{t("Shelve")}</button>
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const EMPTY_RULE: RuleIn = { name: "", kind: "machine_down", severity: "high", scope_kind: "site", scope_id: null, threshold_minutes: 10, enabled: true, target: null };

/** The editable fields of a rule (the server refuses unknown keys such as its id). */
function ruleIn(r: Rule): RuleIn {
  return { name: r.name, kind: r.kind, severity: r.severity, scope_kind: r.scope_kind, scope_id: r.scope_id, threshold_minutes: r.threshold_minutes, enabled: r.enabled, target: r.target };
}

function RulesPanel() {
  const canWrite = useCan("alerts:rules");
  const rules = useApi(() => Promise.all([listRules(), listAreas(), listLines(), listMachines()]), []);
  const [editing, setEditing] = useState<{ id: number | null; rule: RuleIn } | null>(null);
  const [chainOf, setChainOf] = useState<Rule | null>(null);
  const [chainSeverity, setChainSeverity] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  if (rules.error) return <section className="panel"><ErrorState error={rules.error} onRetry={rules.reload} /></section>;
  if (!rules.data) return <section className="panel"><Loading /></section>;
  const [list, areas, lines, machines] = rules.data;
  const names: Record<string, Map<number, string>> = {
    area: new Map(areas.map((x) => [x.id, x.name])),
    line: new Map(lines.map((x) => [x.id, x.name])),
    machine: new Map(machines.map((x) => [x.id, x.name])),
  };
  const scopeText = (r: Rule | RuleIn) => r.scope_kind === "site" || r.scope_id == null
    ? t("Whole site") : `${t(SCOPE_LABEL[r.scope_kind ?? "site"])}: ${names[r.scope_kind ?? "site"]?.get(r.scope_id) ?? "?"}`;
  const save = async () => {
    if (!editing) return;
    setError(undefined);
    try {
      if (editing.id === null) await createRule(editing.rule);
      else await updateRule(editing.id, editing.rule);
      setEditing(null);
      rules.reload();
    } catch (err) {
      setError(err);
    }
  };
  const set = (patch: Partial<RuleIn>) => setEditing((e) => e && { ...e, rule: { ...e.rule, ...patch } });
  const options = editing && editing.rule.scope_kind !== "site" ? [...(names[editing.rule.scope_kind ?? "site"] ?? new Map<number, string>())] : [];
  return (
    <section className="panel" data-testid="alert-rules">
      <h2 className="panel-title">{t("Alert rules")}</h2>
      {canWrite && !editing && <button type="button" className="btn btn-primary" onClick={() => setEditing({ id: null, rule: EMPTY_RULE })}>{t("New rule")}</button>}
      {editing && (
        <form className="md-form" aria-label={t("Alert rule")} onSubmit={(e) => { e.preventDefault(); void save(); }} noValidate>
          {error !== undefined && <ErrorState error={error} />}
          <div className="md-fields">
            <label className="field"><span>{t("Name")}</span>
              <input className="input" value={editing.rule.name} onChange={(e) => set({ name: e.target.value })} />
            </label>
            <label className="field"><span>{t("Condition")}</span>
              <select className="input" value={editing.rule.kind} onChange={(e) => set({ kind: e.target.value as RuleIn["kind"] })}>
                {Object.entries(KIND_LABEL).map(([k, label]) => <option key={k} value={k}>{t(label)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("Minutes (N)")}</span>
              <input className="input" type="number" min={0} value={editing.rule.threshold_minutes} onChange={(e) => set({ threshold_minutes: Number(e.target.value) })} />
            </label>
            {NEEDS_TARGET.includes(editing.rule.kind) && (
              <label className="field"><span>{t("Target")}</span>
                <input className="input" type="number" min={0} value={editing.rule.target ?? ""} onChange={(e) => set({ target: e.target.value === "" ? null : Number(e.target.value) })} />
              </label>
            )}
            <label className="field"><span>{t("Severity")}</span>
              <select className="input" value={editing.rule.severity} onChange={(e) => set({ severity: e.target.value as RuleIn["severity"] })}>
                {Object.entries(SEVERITY_LABEL).map(([k, label]) => <option key={k} value={k}>{t(label)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("Scope")}</span>
              <select className="input" value={editing.rule.scope_kind} onChange={(e) => set({ scope_kind: e.target.value as RuleIn["scope_kind"], scope_id: null })}>
                {Object.entries(SCOPE_LABEL).map(([k, label]) => <option key={k} value={k}>{t(label)}</option>)}
              </select>
            </label>
            {editing.rule.scope_kind !== "site" && (
              <label className="field"><span>{t(SCOPE_LABEL[editing.rule.scope_kind ?? "site"])}</span>
                <select className="input" aria-label={t(SCOPE_LABEL[editing.rule.scope_kind ?? "site"])} value={editing.rule.scope_id ?? ""} onChange={(e) => set({ scope_id: e.target.value ? Number(e.target.value) : null })}>
                  <option value="">{t("Choose…")}</option>
                  {options.map(([id, name]) => <option key={id} value={id}>{name}</option>)}
                </select>
              </label>
            )}
            <label className="field"><span>{t("Enabled")}</span>
              <input type="checkbox" checked={editing.rule.enabled ?? true} onChange={(e) => set({ enabled: e.target.checked })} />
            </label>
          </div>
          <button type="submit" className="btn btn-primary">{t("Save rule")}</button>{" "}
          <button type="button" className="btn" onClick={() => { setEditing(null); setError(undefined); }}>{t("Cancel")}</button>
        </form>
      )}
      {list.length === 0 ? <Empty>{t("No alert rules yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th>{t("Name")}</th><th>{t("Condition")}</th><th className="num">{t("Minutes (N)")}</th><th>{t("Severity")}</th><th>{t("Scope")}</th><th>{t("Enabled")}</th><th></th></tr></thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} data-testid={`rule-${r.id}`}>
                  <td>{r.name}</td>
                  <td>{t(KIND_LABEL[r.kind] ?? r.kind)}</td>
                  <td className="num">{r.threshold_minutes}{r.target != null && <> · {t("target {x}", { x: r.target })}</>}</td>
                  <td>{t(SEVERITY_LABEL[r.severity] ?? r.severity)}</td>
                  <td>{scopeText(r)}</td>
                  <td>{r.enabled ? t("Yes") : t("No")}</td>
                  <td>{canWrite && <button type="button" className="btn btn-small" onClick={() => setEditing({ id: r.id, rule: ruleIn(r) })}>{t("Edit")}</button>}
                    {canWrite && <button type="button" className="btn btn-small" onClick={() => setChainOf(r)}>{t("Escalation")}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {chainOf && <EscalationEditor rule={chainOf} onClose={() => setChainOf(null)} />}
      {canWrite && !chainOf && !chainSeverity && (
        <p>{t("Escalation by severity (rules without a chain of their own):")}{" "}
          {Object.entries(SEVERITY_LABEL).map(([k, label]) => (
            <button key={k} type="button" className="btn btn-small" onClick={() => setChainSeverity(k)}>{t(label)}</button>
          ))}
        </p>
      )}
      {chainSeverity && <EscalationEditor severity={chainSeverity} onClose={() => setChainSeverity(null)} />}
      <SilencesPanel rules={list} />
    </section>
  );
}
