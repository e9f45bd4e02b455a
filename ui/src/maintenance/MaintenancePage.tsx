// The Maintenance page: figures, orders with their lifecycle and checklist, plans, and a
// machine's signals. Buttons show only for roles whose permission /auth/me lists.
import { useState, type FormEvent } from "react";
import { listMachines } from "../api";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { siteTime, timeColumn } from "../exchange/tables";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal, fmtPercent, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { useCan } from "../session";
import { siteZone } from "../site";
import { useApi } from "../useApi";
import { instantOf } from "../zoned";
import {
  bookLabour, createPlan, generateNow, getFigures, getTelemetry, listMOrders, listPlans,
  attachOrderFile, listOrderFiles, recordStep, reportProblem, transition, type MOrder, type PlanIn, type PlanPart, type StepResult,
} from "./api";
import { TelemetryChart } from "./TelemetryChart";
import { Models } from "./Models";
import { Warnings } from "./Warnings";
import { OrderParts } from "./OrderParts";
import "./maintenance.css";

const READ = "maintenance:read";
const PLAN = "maintenance:plan";
const EXECUTE = "maintenance:execute";

const STATUS_LABELS: Record<string, string> = {
  planned: msg("Planned"), scheduled: msg("Scheduled"), in_progress: msg("In progress"), done: msg("Done"), cancelled: msg("Cancelled"),
};
const KIND_LABELS: Record<string, string> = { preventive: msg("Preventive"), corrective: msg("Corrective") };
const TRIGGER_LABELS: Record<string, string> = { time: msg("By time"), usage: msg("By usage"), condition: msg("By condition"), anomaly: msg("By anomaly") };
const RESULT_LABELS: Record<StepResult, string> = { ok: msg("OK"), not_ok: msg("Not OK"), not_applicable: msg("N/A") };

/** A datetime-local value read as the site's wall clock, as an ISO instant. */
function siteInstant(value: string): string {
  return new Date(instantOf(siteZone(), Date.parse(`${value}:00Z`))).toISOString();
}

const hours = (h: number | null) => (h === null ? "–" : fmtDecimal(h, 2));
const ratio = (r: number | null) => (r === null ? "–" : fmtPercent(r));

/** The maintenance orders as the list shows them ("open orders only" applied). */
export function maintenanceOrdersTable(orders: MOrder[]): ExportTable {
  return {
    title: t("Maintenance orders"),
    columns: [
      t("Order"), t("Machine"), t("Kind"), t("Status"), timeColumn(t("Due")), timeColumn(t("Stop at")),
      timeColumn(t("Scheduled start")), timeColumn(t("Scheduled end")),
    ],
    rows: orders.map((o) => [
      o.title, o.machine_code, t(KIND_LABELS[o.kind] ?? o.kind), t(STATUS_LABELS[o.status] ?? o.status),
      siteTime(o.due_at), o.due_at ? "" : siteTime(o.stop_start), siteTime(o.scheduled_start), siteTime(o.scheduled_end),
    ]),
  };
}

export function MaintenancePage() {
  const canRead = useCan(READ);
  const canPlan = useCan(PLAN);
  const canExecute = useCan(EXECUTE);
  const machines = useApi(listMachines, []);
  const figures = useApi(getFigures, []);
  const [openOnly, setOpenOnly] = useState(true);
  const all = useApi(() => listMOrders({ limit: 500 }), []);
  const orders = {
    ...all,
    data: all.data?.filter((o) => !openOnly || ["planned", "scheduled", "in_progress"].includes(o.status)),
  };
  const plans = useApi(listPlans, []);
  const [selected, setSelected] = useState<number>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  const run = async (action: () => Promise<unknown>, done?: string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
      if (done) setNotice(done);
    } catch (err) {
      setError(err);
    }
    orders.reload();
    figures.reload();
    plans.reload();
  };

  const header = (
    <PageHeader title={t("Maintenance")}
      subtitle={<>{t("Preventive plans, maintenance orders, reliability figures and machine signals.")} <span data-testid="time-zone">{zoneLabel()}</span></>}
      actions={canPlan ? (
        <button type="button" className="btn" data-testid="generate-now"
          onClick={() => run(async () => {
            const g = await generateNow();
            setNotice(t("{preventive} preventive and {corrective} corrective orders generated.", { preventive: g.preventive, corrective: g.corrective }));
          })}>{t("Generate orders now")}</button>
      ) : undefined} />
  );
  if (!canRead) return <>{header}<Empty>{t("Not available to your role.")}</Empty></>;
  const machineCode = (id: number | null) => machines.data?.find((m) => m.id === id)?.code ?? (id === null ? "" : `#${id}`);
  const current = all.data?.find((o) => o.id === selected);

  return (
    <div className="maint-page">
      {header}
      {notice && <div className="notice" role="status" data-testid="maint-notice">{notice}</div>}
      {error !== undefined && <ErrorState error={error} />}

      <section aria-label={t("Early warnings")}>
        <h2>{t("Early warnings")}</h2>
        <p className="muted">{t("The anomaly detector watches every machine's telemetry as it arrives; an episode of alarms is one warning, naming the signals behind it.")}</p>
        <Warnings canExecute={canExecute} testId="maint-warnings-all"
          onOrdered={() => run(async () => undefined, t("Order created from the warning."))} />
      </section>

      <section aria-label={t("Figures")}>
        <h2>{t("Figures")}</h2>
        {figures.error !== undefined && !figures.data ? <ErrorState error={figures.error} onRetry={figures.reload} /> :
          !figures.data ? <Loading /> : (
            <>
              <p className="muted">{t("{start} to {end}", { start: fmtDateTime(figures.data.start), end: fmtDateTime(figures.data.end) })}</p>
              <div className="table-wrap">
                <table className="table" data-testid="maint-figures">
                  <thead>
                    <tr>
                      <th>{t("Machine")}</th>
                      <th className="num">{t("Failures")}</th>
                      <th className="num">{t("MTBF (h)")}</th>
                      <th className="num">{t("MTTR (h)")}</th>
                      <th className="num">{t("Corrective share (CMR)")}</th>
                      <th className="num">{t("Preventive compliance")}</th>
                      <th className="num">{t("Backlog")}</th>
                      <th className="num">{t("Overdue")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...figures.data.machines, figures.data.total].map((r) => (
                      <tr key={r.machine_id} data-machine={r.machine_code || "total"}>
                        <td className="mono">{r.machine_code || t("All machines")}</td>
                        <td className="num">{r.failures}</td>
                        <td className="num">{hours(r.mtbf_h)}</td>
                        <td className="num">{hours(r.mttr_h)}</td>
                        <td className="num">{ratio(r.cmr)}</td>
                        <td className="num">{ratio(r.compliance)}</td>
                        <td className="num" data-testid="backlog">{r.backlog}</td>
                        <td className="num">{r.overdue}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
      </section>

      <section aria-label={t("Maintenance orders")}>
        <h2>{t("Maintenance orders")}</h2>
        <div className="maint-toolbar">
          <label className="field-inline">
            <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} data-testid="open-only" />
            <span>{t("Open orders only")}</span>
          </label>
          {orders.data && orders.data.length > 0 && <ExportButton label={t("Maintenance orders")} table={() => maintenanceOrdersTable(orders.data!)} />}
        </div>
        {canExecute && <ProblemForm machines={machines.data ?? []} onSubmit={(mid, title) => run(() => reportProblem(mid, title), t("Problem reported."))} />}
        {!orders.data ? <Loading /> : orders.data.length === 0 ? <Empty>{t("No maintenance orders.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="maint-orders">
              <thead>
                <tr>
                  <th>{t("Order")}</th><th>{t("Machine")}</th><th>{t("Kind")}</th><th>{t("Status")}</th>
                  <th>{t("Due")}</th><th>{t("Window")}</th><th />
                </tr>
              </thead>
              <tbody>
                {orders.data.map((o) => (
                  <tr key={o.id} data-order={o.id} data-status={o.status}>
                    <td>{o.title}</td>
                    <td className="mono">{o.machine_code}</td>
                    <td>{t(KIND_LABELS[o.kind])}</td>
                    <td className="maint-status">{t(STATUS_LABELS[o.status])}</td>
                    <td>{o.due_at ? fmtDateTime(o.due_at) : o.stop_start ? t("Stop at {time}", { time: fmtDateTime(o.stop_start) }) : "–"}</td>
                    <td>{o.scheduled_start ? t("{start} to {end}", { start: fmtDateTime(o.scheduled_start), end: fmtDateTime(o.scheduled_end) }) : "–"}</td>
                    <td><button type="button" className="btn btn-small" onClick={() => setSelected(o.id === selected ? undefined : o.id)}>{o.id === selected ? t("Close") : t("Open")}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {current && <OrderDetail order={current} canPlan={canPlan} canExecute={canExecute} run={run}
          expected={plans.data?.find((p) => p.id === current.plan_id)?.parts ?? []} />}
      </section>

      <section aria-label={t("Preventive plans")}>
        <h2>{t("Preventive plans")}</h2>
        {!plans.data ? <Loading /> : plans.data.length === 0 ? <Empty>{t("No preventive plans yet.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="maint-plans">
              <thead>
                <tr><th>{t("Plan")}</th><th>{t("Machine or class")}</th><th>{t("Trigger")}</th><th className="num">{t("Lead (days)")}</th><th className="num">{t("Tolerance (days)")}</th></tr>
              </thead>
              <tbody>
                {plans.data.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td className="mono">{p.machine_id !== null ? machineCode(p.machine_id) : t("every {kind}", { kind: p.machine_kind ?? "" })}</td>
                    <td>{t(TRIGGER_LABELS[p.trigger])}{" · "}{p.trigger === "time" ? t("every {days} days", { days: fmtDecimal(p.interval_days ?? 0) })
                      : p.trigger === "usage" ? t("every {n} {metric}", { n: fmtDecimal(p.usage_every ?? 0, 0), metric: p.usage_metric ?? "" })
                      : p.trigger === "anomaly" ? (p.signal ?? t("all signals"))
                      : `${p.signal} ${p.above ? "≥" : "≤"} ${fmtDecimal(p.threshold ?? 0)}`}</td>
                    <td className="num">{fmtDecimal(p.lead_days)}</td>
                    <td className="num">{fmtDecimal(p.tolerance_days)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canPlan && <PlanForm machines={machines.data ?? []} onSubmit={(body) => run(() => createPlan(body), t("Plan saved."))} />}
      </section>

      <section aria-label={t("Detector baselines")}>
        <h2>{t("Detector baselines")}</h2>
        <p className="muted">{t("Each machine's normal behaviour, trained as a background job from its own telemetry (on request and every week): 70 % of the history trains it, the rest checks its warnings against the down stops there. The live detector uses the newest trained version unless a planner chose another one or switched it off.")}</p>
        <Models canPlan={canPlan} onStarted={(id) => setNotice(t("Training started as background job #{id}.", { id }))} />
      </section>

      <Signals machines={machines.data ?? []} canExecute={canExecute} onOrdered={() => run(async () => undefined, t("Order created from the warning."))} />
    </div>
  );
}

function ProblemForm({ machines, onSubmit }: { machines: { id: number; code: string }[]; onSubmit: (machineId: number, title: string) => void }) {
  const [machineId, setMachineId] = useState(0);
  const [title, setTitle] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (machineId && title.trim()) onSubmit(machineId, title.trim());
    setTitle("");
  };
  return (
    <form className="maint-toolbar" onSubmit={submit} aria-label={t("Report a problem")}>
      <label className="field"><span>{t("Machine")}</span>
        <select className="input" value={machineId} onChange={(e) => setMachineId(Number(e.target.value))} data-testid="problem-machine">
          <option value={0}>{t("Choose…")}</option>
          {machines.map((m) => <option key={m.id} value={m.id}>{m.code}</option>)}
        </select>
      </label>
      <label className="field"><span>{t("Problem")}</span>
        <input className="input" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} data-testid="problem-title" />
      </label>
      <button type="submit" className="btn">{t("Report a problem")}</button>
    </form>
  );
}

function OrderDetail({ order, canPlan, canExecute, run, expected }: {
  order: MOrder; canPlan: boolean; canExecute: boolean; expected: PlanPart[];
  run: (action: () => Promise<unknown>, done?: string) => Promise<void>;
}) {
  const [when, setWhen] = useState("");
  const [who, setWho] = useState("");
  const [minutes, setMinutes] = useState("");
  const open = order.status === "planned" || order.status === "scheduled";
  return (
    <div className="maint-detail" data-testid="maint-order-detail" data-status={order.status}>
      <h3>{order.title} · <span className="mono">{order.machine_code}</span> · {t(STATUS_LABELS[order.status])}</h3>
      {order.note && <p>{order.note}</p>}
      {order.window_start && order.window_end && (
        <p className="muted">{t("On time between {start} and {end}", { start: fmtDateTime(order.window_start), end: fmtDateTime(order.window_end) })}</p>
      )}
      <div className="maint-toolbar">
        {canPlan && open && (
          <>
            <label className="field"><span>{t("Maintenance window from ({zone})", { zone: zoneLabel() })}</span>
              <input className="input" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} data-testid="schedule-at" />
            </label>
            <button type="button" className="btn" disabled={!when}
              onClick={() => run(() => transition(order.id, "scheduled", siteInstant(when)))}>{t("Schedule")}</button>
          </>
        )}
        {canExecute && open && <button type="button" className="btn btn-primary" onClick={() => run(() => transition(order.id, "in_progress"))}>{t("Start")}</button>}
        {canExecute && order.status === "in_progress" && <button type="button" className="btn btn-primary" onClick={() => run(() => transition(order.id, "done"))}>{t("Done")}</button>}
        {canPlan && (open || order.status === "in_progress") && <button type="button" className="btn" onClick={() => run(() => transition(order.id, "cancelled"))}>{t("Cancel order")}</button>}
      </div>
      <h4>{t("Checklist")}</h4>
      {order.steps.length === 0 ? <p className="muted">{t("No checklist.")}</p> : (
        <ol data-testid="maint-steps">
          {order.steps.map((s) => (
            <li key={s.id} data-step={s.seq} data-result={s.result ?? ""}>
              {s.text}{" "}
              {s.result ? <strong>{t(RESULT_LABELS[s.result])}</strong> : null}{" "}
              {canExecute && order.status === "in_progress" && (Object.keys(RESULT_LABELS) as StepResult[]).map((r) => (
                <button key={r} type="button" className="btn btn-small" onClick={() => run(() => recordStep(order.id, s.id, r))}>{t(RESULT_LABELS[r])}</button>
              ))}
            </li>
          ))}
        </ol>
      )}
      <h4>{t("Labour")}</h4>
      <p data-testid="maint-labour">{t("{minutes} min booked", { minutes: fmtDecimal(order.labour_min) })}{order.labour.length > 0 && ` · ${order.labour.map((l) => `${l.who} ${fmtDecimal(l.minutes)}`).join(", ")}`}</p>
      {canExecute && (order.status === "scheduled" || order.status === "in_progress" || order.status === "done") && (
        <form className="maint-toolbar" onSubmit={(e) => { e.preventDefault(); if (who && Number(minutes) > 0) void run(() => bookLabour(order.id, who, Number(minutes))); }}>
          <label className="field"><span>{t("Who")}</span><input className="input" value={who} maxLength={120} onChange={(e) => setWho(e.target.value)} data-testid="labour-who" /></label>
          <label className="field"><span>{t("Minutes")}</span><input className="input" type="number" min={1} value={minutes} onChange={(e) => setMinutes(e.target.value)} data-testid="labour-minutes" /></label>
          <button type="submit" className="btn">{t("Book labour")}</button>
        </form>
      )}
      <OrderParts order={order} canExecute={canExecute} expected={expected} />
      <OrderFiles order={order} canExecute={canExecute} />
    </div>
  );
}

/** Files and photos on an order: listed as links (images as thumbnails), one upload
 * field for roles that execute maintenance. */
function OrderFiles({ order, canExecute }: { order: MOrder; canExecute: boolean }) {
  const list = useApi(() => listOrderFiles(order.id), [order.id]);
  const [failed, setFailed] = useState<unknown>();
  const upload = async (file: File | undefined) => {
    if (!file) return;
    setFailed(undefined);
    try {
      await attachOrderFile(order.id, file);
    } catch (err) {
      setFailed(err);
    }
    list.reload();
  };
  return (
    <>
      <h4>{t("Files and photos")}</h4>
      {failed !== undefined && <ErrorState error={failed} />}
      {!list.data ? <Loading /> : list.data.length === 0 ? <p className="muted">{t("No files.")}</p> : (
        <ul data-testid="maint-files">
          {list.data.map((f) => (
            <li key={f.id} data-type={f.content_type}>
              <a href={f.url} target="_blank" rel="noreferrer">
                {f.content_type.startsWith("image/") ? <img src={f.url} alt={f.filename} height={48} loading="lazy" /> : null} {f.filename}
              </a>{" "}
              <span className="muted">{t("{who}, {when}", { who: f.uploaded_by, when: fmtDateTime(f.uploaded_at) })}</span>
            </li>
          ))}
        </ul>
      )}
      {canExecute && order.status !== "cancelled" && (
        <label className="field"><span>{t("Add a PDF or a photo")}</span>
          <input className="input" type="file" accept="application/pdf,image/png,image/jpeg,image/gif,image/webp" data-testid="maint-file"
            onChange={(e) => { void upload(e.target.files?.[0]); e.target.value = ""; }} />
        </label>
      )}
    </>
  );
}

function PlanForm({ machines, onSubmit }: { machines: { id: number; code: string; kind: string }[]; onSubmit: (body: PlanIn) => void }) {
  const [name, setName] = useState("");
  const [target, setTarget] = useState("");
  const [trigger, setTrigger] = useState<PlanIn["trigger"]>("time");
  const [every, setEvery] = useState("14");
  const [metric, setMetric] = useState<NonNullable<PlanIn["usage_metric"]>>("producing_hours");
  const [signal, setSignal] = useState("");
  const [threshold, setThreshold] = useState("");
  const [checklist, setChecklist] = useState("");
  const kinds = [...new Set(machines.map((m) => m.kind))].sort();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const [scope, value] = target.split(":");
    onSubmit({
      name, trigger,
      machine_id: scope === "m" ? Number(value) : null,
      machine_kind: scope === "k" ? value : null,
      interval_days: trigger === "time" ? Number(every) : null,
      usage_metric: trigger === "usage" ? metric : null,
      usage_every: trigger === "usage" ? Number(every) : null,
      signal: trigger === "condition" ? signal : null,
      threshold: trigger === "condition" ? Number(threshold) : null,
      checklist: checklist.split("\n").map((s) => s.trim()).filter(Boolean),
    } as PlanIn);
  };
  return (
    <form className="maint-toolbar" onSubmit={submit} aria-label={t("New plan")} data-testid="plan-form">
      <label className="field"><span>{t("Plan")}</span><input className="input" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="plan-name" /></label>
      <label className="field"><span>{t("Machine or class")}</span>
        <select className="input" required value={target} onChange={(e) => setTarget(e.target.value)} data-testid="plan-target">
          <option value="">{t("Choose…")}</option>
          {machines.map((m) => <option key={`m${m.id}`} value={`m:${m.id}`}>{m.code}</option>)}
          {kinds.map((k) => <option key={`k${k}`} value={`k:${k}`}>{t("every {kind}", { kind: k })}</option>)}
        </select>
      </label>
      <label className="field"><span>{t("Trigger")}</span>
        <select className="input" value={trigger} onChange={(e) => setTrigger(e.target.value as PlanIn["trigger"])} data-testid="plan-trigger">
          {Object.entries(TRIGGER_LABELS).map(([k, v]) => <option key={k} value={k}>{t(v)}</option>)}
        </select>
      </label>
      {trigger === "usage" && (
        <label className="field"><span>{t("Counted in")}</span>
          <select className="input" value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)}>
            <option value="producing_hours">{t("producing hours")}</option>
            <option value="cycles">{t("cycles")}</option>
            <option value="units">{t("units")}</option>
          </select>
        </label>
      )}
      {trigger === "anomaly" ? null : trigger !== "condition" ? (
        <label className="field"><span>{trigger === "time" ? t("Every (days)") : t("Every")}</span><input className="input" type="number" min={0} step="any" required value={every} onChange={(e) => setEvery(e.target.value)} data-testid="plan-every" /></label>
      ) : (
        <>
          <label className="field"><span>{t("Signal")}</span><input className="input" required value={signal} onChange={(e) => setSignal(e.target.value)} /></label>
          <label className="field"><span>{t("Threshold")}</span><input className="input" type="number" step="any" required value={threshold} onChange={(e) => setThreshold(e.target.value)} /></label>
        </>
      )}
      <label className="field"><span>{t("Checklist (one step per line)")}</span><textarea className="input" rows={2} value={checklist} onChange={(e) => setChecklist(e.target.value)} data-testid="plan-checklist" /></label>
      <button type="submit" className="btn btn-primary">{t("Save plan")}</button>
    </form>
  );
}

function Signals({ machines, canExecute, onOrdered }: { machines: { id: number; code: string }[]; canExecute: boolean; onOrdered: () => void }) {
  const [machineId, setMachineId] = useState<number>();
  const [days, setDays] = useState(1);
  const mid = machineId ?? machines[0]?.id;
  const [now] = useState(() => Date.now());
  const to = new Date(now).toISOString();
  const from = new Date(now - days * 86_400_000).toISOString();
  const series = useApi(
    () => (mid === undefined ? Promise.resolve(undefined) : getTelemetry(mid, from, to, 300)),
    [mid, days],
  );
  return (
    <section aria-label={t("Machine signals")}>
      <h2>{t("Machine signals")}</h2>
      <div className="maint-toolbar">
        <label className="field"><span>{t("Machine")}</span>
          <select className="input" value={mid ?? 0} onChange={(e) => setMachineId(Number(e.target.value))} data-testid="signal-machine">
            {machines.map((m) => <option key={m.id} value={m.id}>{m.code}</option>)}
          </select>
        </label>
        <label className="field"><span>{t("Period")}</span>
          <select className="input" value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="signal-days">
            <option value={1}>{t("Last 24 hours")}</option>
            <option value={7}>{t("Last 7 days")}</option>
            <option value={30}>{t("Last 30 days")}</option>
          </select>
        </label>
      </div>
      {series.error !== undefined ? <ErrorState error={series.error} onRetry={series.reload} /> :
        !series.data ? <Loading /> : series.data.signals.length === 0 ? <Empty>{t("No signals in this period.")}</Empty> : (
          <>
            <p className="muted" data-testid="signal-samples">{t("{samples} samples, shown as min, mean and max per {seconds} s.", { samples: series.data.samples, seconds: fmtDecimal(series.data.bucket_s, 0) })}</p>
            {series.data.signals.map((s) => <TelemetryChart key={s.signal} signal={s} from={series.data!.start} to={series.data!.end} />)}
          </>
        )}
      <h3>{t("Early warnings")}</h3>
      <p className="muted">{t("Alarms of the streaming anomaly detector on this machine's signals, each naming the signals behind it.")}</p>
      {mid !== undefined && <Warnings machineId={mid} canExecute={canExecute} onOrdered={onOrdered} testId="maint-warnings" />}
    </section>
  );
}
