import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, listProducts } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { navigate } from "../router";
import { useApi } from "../useApi";
import {
  getPlan, listPlans, listRuns, moveOperation, publishPlan, rejectPlan, startOrFollow, startRun,
  type MoveError, type MoveReport, type PlanDetail, type PlannedOp, type PlanSummary, type Run,
} from "../schedule/api";
import { Confirm, PlanStatusBadge, TimeLimitSelect, fmtHours, fmtWhen, planLabel } from "../schedule/bits";
import type { ColorBy } from "../schedule/colors";
import { Gantt, OpFacts, type GanttMode, type MoveRequest } from "../schedule/Gantt";
import { RunProgress } from "../schedule/RunProgress";
import { ScheduleTabs } from "../schedule/ScheduleTabs";
import { ZOOM_PRESETS, presetOf, type ZoomPreset } from "../schedule/timeaxis";
import "../schedule/schedule.css";
import { PlanWarnings } from "../schedule/materials";

type Feedback =
  | { kind: "refused"; title: string; errors: MoveError[] }
  | { kind: "ok"; text: string; pushed?: number[] }
  | { kind: "error"; text: string };

const fmtMove = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

const RULE_LABEL: Record<string, string> = {
  overlap: "Overlaps another operation",
  setup: "No room for the setup",
  eligibility: "Line cannot run this step",
  release: "Before the order's release",
  material: "Before material is available",
  precedence: "Out of step order",
  calendar: "Outside working time",
  frozen: "Frozen operation",
  skills: "No qualified operator",
  cycle: "Would push itself",
  max_wait: "Waits too long",
  feasibility: "Not feasible",
};

function listed(items: string[], shown = 3): string {
  const more = items.length - shown;
  return items.slice(0, shown).join(", ") + (more > 0 ? ` and ${more} more` : "");
}

/** "Moved PO-1 step 2 to SMT-1, Thu 09:00. Moved 3 following operations; PO-7 now 2.0 h late." */
function moveSummary(op: PlannedOp, report: MoveReport, start: Date): string {
  const parts = [`Moved ${op.order_number} step ${op.seq} to ${report.to.line_code}, ${fmtMove.format(start)}.`];
  const n = report.pushed.length;
  if (n > 0) {
    const most = Math.max(...report.pushed.map((p) => p.delay_s));
    parts.push(`Moved ${n} following operation${n === 1 ? "" : "s"} (by up to ${fmtHours(most)}).`);
  }
  const worse = report.orders.filter((o) => o.tardiness_after_s > o.tardiness_before_s);
  const better = report.orders.filter((o) => o.tardiness_after_s < o.tardiness_before_s);
  const late = worse.map((o) => `${o.order_number} now ${fmtHours(o.tardiness_after_s)} late`);
  const sooner = better.map((o) => `${o.order_number} ${o.tardiness_after_s ? `now ${fmtHours(o.tardiness_after_s)} late` : "now on time"}`);
  if (late.length) parts.push(`${listed(late)}.`);
  if (sooner.length) parts.push(`${listed(sooner)}.`);
  return parts.join(" ");
}

/** Plans as a Gantt (by line or by order), optimize runs with live progress, publish. */
export function SchedulePage({ query }: { query: URLSearchParams }) {
  const planParam = Number(query.get("plan")) || null;
  const mode: GanttMode = query.get("view") === "order" ? "order" : "line";
  const setParam = (key: string, value: string | null) => {
    const q = new URLSearchParams(query);
    if (value === null) q.delete(key);
    else q.set(key, value);
    const qs = q.toString();
    navigate(`/schedule${qs ? `?${qs}` : ""}`, { replace: key !== "plan" });
  };

  const plans = useApi(() => listPlans(), []);
  const products = useApi(listProducts, []);
  const familyOf = useMemo(() => {
    const map = new Map((products.data ?? []).map((p) => [p.code, p.family]));
    return (code: string) => map.get(code) ?? code;
  }, [products.data]);

  const current = plans.data?.find((p) => p.id === planParam)
    ?? plans.data?.find((p) => p.status === "published")
    ?? plans.data?.find((p) => p.status === "draft" && !p.proposal)
    ?? plans.data?.[0];
  const planId = planParam ?? current?.id ?? null;

  const [detail, setDetail] = useState<PlanDetail | null>(null);
  const [detailError, setDetailError] = useState<unknown>();
  const loadDetail = useCallback((id: number) => {
    getPlan(id).then((d) => { setDetail(d); setDetailError(undefined); }, setDetailError);
  }, []);
  useEffect(() => {
    setSelected(null);
    setFeedback(null);
    if (planId !== null) loadDetail(planId);
    else setDetail(null);
  }, [planId, loadDetail]);

  // --- optimize -------------------------------------------------------------------------
  const [limit, setLimit] = useState(10);
  const [run, setRun] = useState<Run | null>(null);
  const [runError, setRunError] = useState<unknown>();
  useEffect(() => {
    // A run started elsewhere (another tab, a colleague) is followed here too.
    listRuns().then((runs) => {
      const going = runs.find((r) => r.finished_at === null && r.scenario_id === null && r.status !== "failed");
      if (going) {
        setRunDone(false);
        setRun(going);
      }
    }, () => undefined);
  }, []);
  const optimize = async () => {
    setRunError(undefined);
    try {
      const started = await startOrFollow(() => startRun({ time_limit_s: limit, horizon_days: 14 }));
      setRunDone(false);
      setRun(started);
    } catch (e) {
      setRunError(e);
    }
  };
  const [runDone, setRunDone] = useState(false);
  const onRunDone = useCallback((done: Run) => {
    setRunDone(true);
    plans.reload();
    const id = done.plan_id ?? done.heuristic_plan_id;
    if (done.status === "failed") setRunError(new Error(done.error ?? "The run failed."));
    if (id) navigate(`/schedule?plan=${id}${mode === "order" ? "&view=order" : ""}`);
  }, [plans, mode]);

  // --- view state -----------------------------------------------------------------------
  const [pxPerHour, setPxPerHour] = useState(ZOOM_PRESETS.day);
  const [colorBy, setColorBy] = useState<ColorBy>("family");
  const [lateOnly, setLateOnly] = useState(false);
  const [selected, setSelected] = useState<PlannedOp | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  // Push (default): the following operations make room; strict: only this one moves.
  const [push, setPush] = useState(true);
  const [nowSignal, setNowSignal] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(id);
  }, []);

  const editable = detail?.status === "draft" && detail.scenario_id === null;

  const onMove = useCallback(async ({ op, start, lineId }: MoveRequest): Promise<boolean> => {
    // Only factory plans are editable; their operations all exist (operation_id set).
    if (!detail || op.operation_id === null) return false;
    const body: { start: string; version: number; line_id?: number; mode: "push" | "strict" } = {
      start: start.toISOString(), version: detail.version, mode: push ? "push" : "strict",
    };
    if (lineId !== op.line_id) body.line_id = lineId;
    try {
      const { move, ...next } = await moveOperation(detail.id, op.operation_id, body);
      setDetail(next);
      const moved = next.lines.flatMap((l) => l.operations).find((o) => o.operation_id === op.operation_id);
      setSelected(moved ?? null);
      const pushed = move.pushed.flatMap((p) => (p.operation_id === null ? [] : [p.operation_id]));
      setFeedback({ kind: "ok", text: moveSummary(op, move, start), pushed });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setFeedback({ kind: "refused", title: e.detail, errors: e.errors as MoveError[] });
      } else if (e instanceof ApiError && e.status === 409) {
        setFeedback({ kind: "error", text: `${e.detail} The plan was reloaded.` });
        loadDetail(detail.id);
      } else {
        setFeedback({ kind: "error", text: e instanceof Error ? e.message : String(e) });
      }
      return false;
    }
  }, [detail, loadDetail, push]);

  const conflicts = useMemo(() => new Set(
    feedback?.kind === "refused" ? feedback.errors.flatMap((e) => (e.other_operation_id ? [e.other_operation_id] : [])) : [],
  ), [feedback]);
  const pushedOps = useMemo(() => new Set(feedback?.kind === "ok" ? feedback.pushed ?? [] : []), [feedback]);

  // --- publish / accept / reject ----------------------------------------------------------
  const [confirm, setConfirm] = useState<PlanSummary | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const publish = async (plan: PlanSummary) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await publishPlan(plan.id, plan.version);
      setConfirm(null);
      plans.reload();
      if (plan.id === detail?.id) loadDetail(plan.id);
      setFeedback({ kind: "ok", text: `Plan #${plan.id} is published: the floor works from it now.` });
    } catch (e) {
      setActionError(e);
      setConfirm(null);
    } finally {
      setBusy(false);
    }
  };
  const reject = async (plan: PlanSummary) => {
    try {
      await rejectPlan(plan.id);
      plans.reload();
      if (plan.id === detail?.id) loadDetail(plan.id);
    } catch (e) {
      setActionError(e);
    }
  };

  const proposals = (plans.data ?? []).filter((p) => p.proposal && p.status === "draft");
  const ops = useMemo(() => detail?.lines.flatMap((l) => l.operations) ?? [], [detail]);
  const lateOrders = detail?.orders.filter((o) => o.late).length ?? 0;
  const preset = presetOf(pxPerHour);

  const header = (
    <PageHeader
      title="Schedule"
      subtitle={detail
        ? <>Plan #{detail.id} · {detail.kind === "heuristic" ? "quick plan" : detail.kind} · {fmtWhen(detail.horizon_start)} – {fmtWhen(detail.horizon_end)}</>
        : "Finite-capacity plan of all open orders"}
      actions={<ScheduleTabs active="plans" />}
    />
  );

  return (
    <div className="schedule-page">
      {header}

      <div className="sched-toolbar panel">
        <label className="inline-field grow" htmlFor="plan-pick">
          <span>Plan</span>
          <select id="plan-pick" className="input" value={planId ?? ""} data-testid="plan-picker"
            onChange={(e) => setParam("plan", e.target.value || null)}>
            {!plans.data?.length && <option value="">No plans yet</option>}
            {(plans.data ?? []).map((p) => <option key={p.id} value={p.id}>{planLabel(p)}</option>)}
          </select>
        </label>
        {detail && <PlanStatusBadge plan={detail} />}
        {detail && detail.status === "draft" && detail.scenario_id === null && (
          <button type="button" className="btn" onClick={() => setConfirm(detail)} data-testid="publish">
            {detail.proposal ? "Accept" : "Publish"}
          </button>
        )}
        <span className="toolbar-sep" />
        <TimeLimitSelect id="time-limit" value={limit} onChange={setLimit} />
        <button type="button" className="btn btn-primary" onClick={optimize} disabled={run !== null && !runDone}>
          Optimize
        </button>
      </div>

      {runError !== undefined && <ErrorState error={runError} />}
      {actionError !== undefined && <ErrorState error={actionError} />}
      {run && <RunProgress key={run.id} run={run} onDone={onRunDone} onClose={() => setRun(null)} />}

      {proposals.length > 0 && (
        <section className="panel proposals" data-testid="proposals">
          <h2 className="panel-title">Proposals <span className="muted">re-planned around a disruption</span></h2>
          {proposals.map((p) => (
            <div key={p.id} className="proposal-row">
              <div>
                <strong>Plan #{p.id}</strong> <span className="muted">· {fmtWhen(p.created_at)}</span>
                <div className="proposal-reason">{p.reason ?? "No reason given"}</div>
              </div>
              <div className="proposal-actions">
                <Link to={`/schedule?plan=${p.id}`} className="btn">View</Link>
                <button type="button" className="btn btn-primary" onClick={() => setConfirm(p)}>Accept</button>
                <button type="button" className="btn" onClick={() => reject(p)}>Reject</button>
              </div>
            </div>
          ))}
        </section>
      )}

      {plans.error !== undefined && <ErrorState error={plans.error} onRetry={plans.reload} />}
      {plans.data && plans.data.length === 0 && !run && (
        <Empty>No plan yet. Choose a time limit and press <strong>Optimize</strong> to plan all open orders.</Empty>
      )}
      {detailError !== undefined && <ErrorState error={detailError} onRetry={() => planId && loadDetail(planId)} />}
      {planId !== null && !detail && detailError === undefined && <Loading label="Loading the plan…" />}

      {detail && (
        <>
          {detail.proposal && detail.reason && <div className="notice proposal-note">Proposal: {detail.reason}</div>}
          {detail.kind === "adopted" && detail.reason && <div className="notice proposal-note" data-testid="adopted-note">From a what-if scenario: {detail.reason}</div>}
          <PlanWarnings warnings={detail.warnings} />
          <dl className="facts sched-facts">
            <div className="fact"><dt>Orders</dt><dd>{detail.orders.length}</dd></div>
            <div className="fact"><dt>Operations</dt><dd>{ops.length}</dd></div>
            <div className={`fact${lateOrders ? " fact-late" : ""}`}><dt>Late orders</dt><dd data-testid="late-orders">{lateOrders}</dd></div>
            <div className="fact"><dt>Makespan</dt><dd>{detail.objective?.makespan_s !== undefined ? fmtHours(detail.objective.makespan_s) : "—"}</dd></div>
            <div className="fact"><dt>Changeovers</dt><dd>{detail.objective?.changeovers ?? "—"}</dd></div>
            <div className="fact"><dt>Solver</dt><dd className="sub">{detail.solver_status ?? "—"}{detail.gap !== null ? ` · gap ${(detail.gap * 100).toFixed(0)}%` : ""}</dd></div>
          </dl>

          <div className="gantt-toolbar">
            <div className="segmented" role="group" aria-label="Rows">
              {(["line", "order"] as const).map((m) => (
                <button key={m} type="button" className={mode === m ? "on" : undefined} aria-pressed={mode === m}
                  onClick={() => setParam("view", m === "line" ? null : m)}>{m === "line" ? "By line" : "By order"}</button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label="Zoom level">
              {(Object.keys(ZOOM_PRESETS) as ZoomPreset[]).map((z) => (
                <button key={z} type="button" className={preset === z ? "on" : undefined} aria-pressed={preset === z}
                  onClick={() => setPxPerHour(ZOOM_PRESETS[z])}>{z === "hours" ? "Hours" : z === "day" ? "Day" : "Week"}</button>
              ))}
            </div>
            <button type="button" className="btn" onClick={() => { setNow(Date.now()); setNowSignal((n) => n + 1); }}>Now</button>
            <div className="segmented" role="group" aria-label="Colour by">
              {(["family", "order"] as const).map((c) => (
                <button key={c} type="button" className={colorBy === c ? "on" : undefined} aria-pressed={colorBy === c}
                  onClick={() => setColorBy(c)}>{c === "family" ? "Family" : "Order"}</button>
              ))}
            </div>
            <label className="check">
              <input type="checkbox" checked={lateOnly} onChange={(e) => setLateOnly(e.target.checked)} /> Highlight late
            </label>
            {editable && (
              <label className="check" title="When a moved operation runs into the next ones, shift them (and what follows them) later instead of refusing the move">
                <input type="checkbox" checked={push} onChange={(e) => setPush(e.target.checked)} data-testid="push-mode" /> Push following work
              </label>
            )}
            <div className="gantt-legend" aria-hidden="true">
              <span><i className="lg lg-setup" />Setup</span>
              <span><i className="lg lg-late" />Late order</span>
              <span><i className="lg lg-frozen" />Frozen</span>
              <span><i className="lg lg-now" />Now</span>
            </div>
          </div>
          {editable && <p className="muted sched-hint">Drag an operation to move it (sideways in time, up or down to another line){push ? "; the operations after it make room" : ""}. Ctrl + wheel or pinch to zoom.</p>}

          {feedback && (
            <div className={`move-feedback fb-${feedback.kind}`} role={feedback.kind === "ok" ? "status" : "alert"}
              data-testid={feedback.kind === "refused" ? "move-refused" : feedback.kind === "ok" ? "move-ok" : "move-error"}>
              {feedback.kind === "refused" ? (
                <>
                  <strong>Move refused — the operation went back.</strong>
                  <ul>
                    {feedback.errors.length === 0 && <li>{feedback.title}</li>}
                    {feedback.errors.map((e, i) => (
                      <li key={i}>
                        <span className="rule-tag">{RULE_LABEL[e.rule ?? ""] ?? e.rule ?? "Refused"}</span>{" "}
                        {e.message}
                        {e.other_order_number && <> — conflicts with <strong>{e.other_order_number}</strong></>}
                      </li>
                    ))}
                  </ul>
                </>
              ) : <span>{feedback.text}</span>}
              <button type="button" className="btn-link" onClick={() => setFeedback(null)}>Dismiss</button>
            </div>
          )}

          {ops.length === 0 ? <Empty>This plan has no operations.</Empty> : (
            <Gantt plan={detail} mode={mode} pxPerHour={pxPerHour} onZoom={setPxPerHour} colorBy={colorBy}
              familyOf={familyOf} editable={editable} onMove={onMove} onSelect={setSelected}
              selectedId={selected?.id ?? null} highlightOps={conflicts} pushedOps={pushedOps} lateOnly={lateOnly} now={now}
              scrollToNowSignal={nowSignal} />
          )}

          {selected && (
            <section className="panel op-details" data-testid="op-details">
              <OpFacts op={selected} />
              <div className="op-details-actions">
                <Link to={`/orders/${selected.order_id}`} className="btn">Open order</Link>
                <button type="button" className="btn-link" onClick={() => setSelected(null)}>Close</button>
              </div>
            </section>
          )}
        </>
      )}

      {confirm && (
        <Confirm title={confirm.proposal ? `Accept proposal #${confirm.id}?` : `Publish plan #${confirm.id}?`}
          confirmLabel={confirm.proposal ? "Accept and publish" : "Publish"} busy={busy}
          onConfirm={() => publish(confirm)} onCancel={() => setConfirm(null)}>
          <p>The floor and the operator terminals will work from this plan. The plan published now is superseded.</p>
        </Confirm>
      )}
    </div>
  );
}
