import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, listProducts } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { navigate } from "../router";
import { useApi } from "../useApi";
import {
  getPlan, listPlans, listRuns, moveOperation, publishPlan, rejectPlan, restorePlacements, startOrFollow, startRun,
  type MoveError, type MoveReport, type PlanDetail, type PlannedOp, type PlanSummary, type Run,
} from "../schedule/api";
import { Confirm, PlanStatusBadge, TimeLimitSelect, fmtHours, fmtPlanTime, fmtWhen, planKindLabel, planLabel } from "../schedule/bits";
import type { ColorBy } from "../schedule/colors";
import { Gantt, OpFacts, type GanttMode, type MoveRequest } from "../schedule/Gantt";
import { RunProgress } from "../schedule/RunProgress";
import { ScheduleTabs } from "../schedule/ScheduleTabs";
import { ZOOM_PRESETS, presetOf, type ZoomPreset } from "../schedule/timeaxis";
import "../schedule/schedule.css";
import { PlanWarnings } from "../schedule/materials";
import { PlanFigures } from "../schedule/figures";
import { recorded, redone, stepOf, undone, usePlanHistory, useUndoKeys, type HistoryStep } from "../schedule/history";
import { useCan, useDeniedReason } from "../session";
import { zoneLabel } from "../format";
import { msg, t } from "../i18n";

type Feedback =
  | { kind: "refused"; title: string; errors: MoveError[] }
  | { kind: "ok"; text: string; pushed?: number[] }
  | { kind: "error"; text: string };

const fmtMove = { format: (d: Date | number) => fmtPlanTime(Number(d)) };

const RULE_LABEL: Record<string, string> = {
  overlap: msg("Overlaps another operation"),
  setup: msg("No room for the setup"),
  eligibility: msg("Line cannot run this step"),
  release: msg("Before the order's release"),
  material: msg("Before material is available"),
  precedence: msg("Out of step order"),
  calendar: msg("Outside working time"),
  frozen: msg("Frozen operation"),
  skills: msg("No qualified operator"),
  cycle: msg("Would push itself"),
  max_wait: msg("Waits too long"),
  feasibility: msg("Not feasible"),
};

function listed(items: string[], shown = 3): string {
  const more = items.length - shown;
  return items.slice(0, shown).join(", ") + (more > 0 ? ` ${t("and {count} more", { count: more })}` : "");
}

/** "Moved PO-1 step 2 to SMT-1, Thu 09:00. Moved 3 following operations; PO-7 now 2.0 h late." */
function moveSummary(op: PlannedOp, report: MoveReport): string {
  const parts = [t("Moved {order} step {seq} to {line}, {time}.", { order: op.order_number, seq: String(op.seq), line: report.to.line_code, time: fmtMove.format(Date.parse(report.to.start)) })];
  if (report.snapped) {
    // Dropped outside the line's working time: the server put it at the next working time.
    parts.push(t("{time} is outside the line's working time: it starts at the next working time instead.", { time: fmtMove.format(Date.parse(report.requested_start)) }));
  }
  const n = report.pushed.length;
  if (n > 0) {
    const most = Math.max(...report.pushed.map((p) => p.delay_s));
    parts.push(t("Moved {count} following operations (by up to {span}).", { count: n, span: fmtHours(most) }));
    parts.push(`${listed(report.pushed.map((p) => t("{order} step {seq} +{span}", { order: p.order_number, seq: String(p.seq), span: fmtHours(p.delay_s) })), 5)}.`);
  }
  const worse = report.orders.filter((o) => o.tardiness_after_s > o.tardiness_before_s);
  const better = report.orders.filter((o) => o.tardiness_after_s < o.tardiness_before_s);
  const late = worse.map((o) => t("{order} now {span} late", { order: o.order_number, span: fmtHours(o.tardiness_after_s) }));
  const sooner = better.map((o) => (o.tardiness_after_s ? t("{order} now {span} late", { order: o.order_number, span: fmtHours(o.tardiness_after_s) }) : t("{order} now on time", { order: o.order_number })));
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
    if (done.status === "failed") setRunError(new Error(done.error ?? t("The run failed.")));
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

  // Moving, optimizing and publishing need schedules:write; other roles see the plan only.
  const canWrite = useCan("schedules:write");
  const deniedReason = useDeniedReason("schedules:write");
  const editable = canWrite && detail?.status === "draft" && detail.scenario_id === null;
  const [history, setHistory] = usePlanHistory(detail?.id ?? null);

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
      const step = stepOf(move, t("{order} step {seq} to {line}, {time}", { order: op.order_number, seq: String(op.seq), line: move.to.line_code, time: fmtMove.format(Date.parse(move.to.start)) }));
      if (step) setHistory((h) => recorded(h, step));
      setFeedback({ kind: "ok", text: moveSummary(op, move), pushed });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setFeedback({ kind: "refused", title: e.detail, errors: e.errors as MoveError[] });
      } else if (e instanceof ApiError && e.status === 409) {
        setFeedback({ kind: "error", text: `${e.detail} ${t("The plan was reloaded.")}` });
        loadDetail(detail.id);
      } else {
        setFeedback({ kind: "error", text: e instanceof Error ? e.message : String(e) });
      }
      return false;
    }
  }, [detail, loadDetail, push, setHistory]);

  // --- undo / redo: the server puts the operations back where the move's answer said ----
  const [restoring, setRestoring] = useState(false);
  const restore = async (step: HistoryStep, direction: "undo" | "redo") => {
    if (!detail || restoring) return;
    setRestoring(true);
    try {
      const { restored, ...next } = await restorePlacements(detail.id, direction === "undo" ? step.undo : step.redo, detail.version);
      setDetail(next);
      setHistory(direction === "undo" ? undone : redone);
      const moved = restored.flatMap((p) => (p.operation_id === null ? [] : [p.operation_id]));
      setFeedback({
        kind: "ok", pushed: moved,
        text: direction === "undo" ? t("Undone: {what}. Back where it was.", { what: step.label }) : t("Redone: {what}.", { what: step.label }),
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setFeedback({ kind: "refused", title: e.detail, errors: e.errors as MoveError[] });
      } else if (e instanceof ApiError && e.status === 409) {
        setFeedback({ kind: "error", text: `${e.detail} ${t("The plan was reloaded.")}` });
        loadDetail(detail.id);
      } else {
        setFeedback({ kind: "error", text: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      setRestoring(false);
    }
  };
  const lastMove = history.past[history.past.length - 1];
  const nextMove = history.future[0];
  const undo = () => { if (lastMove) void restore(lastMove, "undo"); };
  const redo = () => { if (nextMove) void restore(nextMove, "redo"); };
  const undoRef = useRef(undo);
  undoRef.current = undo;
  const redoRef = useRef(redo);
  redoRef.current = redo;
  const onUndoKey = useCallback(() => undoRef.current(), []);
  const onRedoKey = useCallback(() => redoRef.current(), []);
  useUndoKeys(onUndoKey, onRedoKey, editable);

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
      setFeedback({ kind: "ok", text: t("Plan #{id} is published: the floor works from it now.", { id: String(plan.id) }) });
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
  const preset = presetOf(pxPerHour);

  const header = (
    <PageHeader
      title={t("Schedule")}
      subtitle={detail
        ? <>{t("Plan #{id}", { id: String(detail.id) })} · {planKindLabel(detail.kind)} · {fmtWhen(detail.horizon_start)} – {fmtWhen(detail.horizon_end)} · <span data-testid="time-zone">{zoneLabel()}</span></>
        : <>{t("Finite-capacity plan of all open orders")} · <span data-testid="time-zone">{zoneLabel()}</span></>}
      actions={<ScheduleTabs active="plans" />}
    />
  );

  return (
    <div className="schedule-page">
      {header}

      <div className="sched-toolbar panel">
        <label className="inline-field grow" htmlFor="plan-pick">
          <span>{t("Plan")}</span>
          <select id="plan-pick" className="input" value={planId ?? ""} data-testid="plan-picker"
            onChange={(e) => setParam("plan", e.target.value || null)}>
            {!plans.data?.length && <option value="">{t("No plans yet")}</option>}
            {(plans.data ?? []).map((p) => <option key={p.id} value={p.id}>{planLabel(p)}</option>)}
          </select>
        </label>
        {detail && <PlanStatusBadge plan={detail} />}
        {canWrite && detail && detail.status === "draft" && detail.scenario_id === null && (
          <button type="button" className="btn" onClick={() => setConfirm(detail)} data-testid="publish">
            {detail.proposal ? t("Accept") : t("Publish")}
          </button>
        )}
        <span className="toolbar-sep" />
        {canWrite ? (
          <>
            <TimeLimitSelect id="time-limit" value={limit} onChange={setLimit} />
            <button type="button" className="btn btn-primary" onClick={optimize} disabled={run !== null && !runDone}>
              {t("Optimize")}
            </button>
          </>
        ) : (
          <span className="muted" data-testid="read-only">{t("View only: planning, moving and publishing are for planners.")} {deniedReason}</span>
        )}
      </div>

      {runError !== undefined && <ErrorState error={runError} />}
      {actionError !== undefined && <ErrorState error={actionError} />}
      {run && <RunProgress key={run.id} run={run} onDone={onRunDone} onClose={() => setRun(null)} />}

      {proposals.length > 0 && (
        <section className="panel proposals" data-testid="proposals">
          <h2 className="panel-title">{t("Proposals")} <span className="muted">{t("re-planned around a disruption")}</span></h2>
          {proposals.map((p) => (
            <div key={p.id} className="proposal-row">
              <div>
                <strong>{t("Plan #{id}", { id: String(p.id) })}</strong> <span className="muted">· {fmtWhen(p.created_at)}</span>
                <div className="proposal-reason">{p.reason ?? t("No reason given")}</div>
              </div>
              <div className="proposal-actions">
                <Link to={`/schedule?plan=${p.id}`} className="btn">{t("View")}</Link>
                {canWrite && <button type="button" className="btn btn-primary" onClick={() => setConfirm(p)}>{t("Accept")}</button>}
                {canWrite && <button type="button" className="btn" onClick={() => reject(p)}>{t("Reject")}</button>}
              </div>
            </div>
          ))}
        </section>
      )}

      {plans.error !== undefined && <ErrorState error={plans.error} onRetry={plans.reload} />}
      {plans.data && plans.data.length === 0 && !run && (
        <Empty>{t("No plan yet. Choose a time limit and press Optimize to plan all open orders.")}</Empty>
      )}
      {detailError !== undefined && <ErrorState error={detailError} onRetry={() => planId && loadDetail(planId)} />}
      {planId !== null && !detail && detailError === undefined && <Loading label={t("Loading the plan…")} />}

      {detail && (
        <>
          {detail.proposal && detail.reason && <div className="notice proposal-note">{t("Proposal: {reason}", { reason: detail.reason })}</div>}
          {detail.kind === "adopted" && detail.reason && <div className="notice proposal-note" data-testid="adopted-note">{t("From a what-if scenario: {reason}", { reason: detail.reason })}</div>}
          <PlanWarnings warnings={detail.warnings} />
          <PlanFigures plan={detail} operations={ops.length} />

          <div className="gantt-toolbar">
            <div className="segmented" role="group" aria-label={t("Rows")}>
              {(["line", "order"] as const).map((m) => (
                <button key={m} type="button" className={mode === m ? "on" : undefined} aria-pressed={mode === m}
                  onClick={() => setParam("view", m === "line" ? null : m)}>{m === "line" ? t("By line") : t("By order")}</button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label={t("Zoom level")}>
              {(Object.keys(ZOOM_PRESETS) as ZoomPreset[]).map((z) => (
                <button key={z} type="button" className={preset === z ? "on" : undefined} aria-pressed={preset === z}
                  onClick={() => setPxPerHour(ZOOM_PRESETS[z])}>{z === "hours" ? t("Hours") : z === "day" ? t("Day") : t("Week")}</button>
              ))}
            </div>
            <button type="button" className="btn" onClick={() => { setNow(Date.now()); setNowSignal((n) => n + 1); }}>{t("Now")}</button>
            <div className="segmented" role="group" aria-label={t("Colour by")}>
              {(["family", "order"] as const).map((c) => (
                <button key={c} type="button" className={colorBy === c ? "on" : undefined} aria-pressed={colorBy === c}
                  onClick={() => setColorBy(c)}>{c === "family" ? t("Family") : t("Order")}</button>
              ))}
            </div>
            <label className="check">
              <input type="checkbox" checked={lateOnly} onChange={(e) => setLateOnly(e.target.checked)} /> {t("Highlight late")}
            </label>
            {editable && (
              <span className="undo-redo" role="group" aria-label={t("Undo and redo moves")}>
                <button type="button" className="btn" onClick={undo} disabled={!lastMove || restoring} data-testid="undo"
                  title={lastMove ? t("Undo: {what} (Ctrl+Z)", { what: lastMove.label }) : t("Nothing to undo")}>{t("Undo")}</button>
                <button type="button" className="btn" onClick={redo} disabled={!nextMove || restoring} data-testid="redo"
                  title={nextMove ? t("Redo: {what} (Ctrl+Shift+Z)", { what: nextMove.label }) : t("Nothing to redo")}>{t("Redo")}</button>
              </span>
            )}
            {editable && (
              <label className="check" title={t("When a moved operation runs into the next ones, shift them (and what follows them) later instead of refusing the move")}>
                <input type="checkbox" checked={push} onChange={(e) => setPush(e.target.checked)} data-testid="push-mode" /> {t("Push following work")}
              </label>
            )}
            <div className="gantt-legend" aria-hidden="true">
              <span><i className="lg lg-setup" />{t("Setup")}</span>
              <span><i className="lg lg-late" />{t("Late order")}</span>
              <span><i className="lg lg-frozen" />{t("Frozen")}</span>
              <span><i className="lg lg-now" />{t("Now")}</span>
            </div>
          </div>
          {editable && <p className="muted sched-hint">{push ? t("Drag an operation to move it (sideways in time, up or down to another line); the operations after it make room. Ctrl + wheel or pinch to zoom.") : t("Drag an operation to move it (sideways in time, up or down to another line). Ctrl + wheel or pinch to zoom.")}</p>}

          {feedback && (
            <div className={`move-feedback fb-${feedback.kind}`} role={feedback.kind === "ok" ? "status" : "alert"}
              data-testid={feedback.kind === "refused" ? "move-refused" : feedback.kind === "ok" ? "move-ok" : "move-error"}>
              {feedback.kind === "refused" ? (
                <>
                  <strong>{t("Move refused — the operation went back.")}</strong>
                  <ul>
                    {feedback.errors.length === 0 && <li>{feedback.title}</li>}
                    {feedback.errors.map((e, i) => (
                      <li key={i}>
                        <span className="rule-tag">{RULE_LABEL[e.rule ?? ""] ? t(RULE_LABEL[e.rule ?? ""]) : e.rule ?? t("Refused")}</span>{" "}
                        {e.message}
                        {e.other_order_number && <> — {t("conflicts with {order}", { order: e.other_order_number })}</>}
                      </li>
                    ))}
                  </ul>
                </>
              ) : <span>{feedback.text}</span>}
              <button type="button" className="btn-link" onClick={() => setFeedback(null)}>{t("Dismiss")}</button>
            </div>
          )}

          {ops.length === 0 ? <Empty>{t("This plan has no operations.")}</Empty> : (
            <Gantt plan={detail} mode={mode} pxPerHour={pxPerHour} onZoom={setPxPerHour} colorBy={colorBy}
              familyOf={familyOf} editable={editable} onMove={onMove} onSelect={setSelected}
              selectedId={selected?.id ?? null} highlightOps={conflicts} pushedOps={pushedOps} lateOnly={lateOnly} now={now}
              scrollToNowSignal={nowSignal} />
          )}

          {selected && (
            <section className="panel op-details" data-testid="op-details">
              <OpFacts op={selected} />
              <div className="op-details-actions">
                <Link to={`/orders/${selected.order_id}`} className="btn">{t("Open order")}</Link>
                <button type="button" className="btn-link" onClick={() => setSelected(null)}>{t("Close")}</button>
              </div>
            </section>
          )}
        </>
      )}

      {confirm && (
        <Confirm title={confirm.proposal ? t("Accept proposal #{id}?", { id: String(confirm.id) }) : t("Publish plan #{id}?", { id: String(confirm.id) })}
          confirmLabel={confirm.proposal ? t("Accept and publish") : t("Publish")} busy={busy}
          onConfirm={() => publish(confirm)} onCancel={() => setConfirm(null)}>
          <p>{t("The floor and the operator terminals will work from this plan. The plan published now is superseded.")}</p>
        </Confirm>
      )}
    </div>
  );
}
