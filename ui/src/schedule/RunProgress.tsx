import { useEffect, useRef, useState } from "react";
import { getPlan, getRun, cancelRun, type PlanDetail, type ProgressPoint, type Run } from "./api";
import { fmtHours, fmtWhen } from "./bits";
import { lateness } from "./figures";
import { fmtDecimal, fmtNumber, fmtPercent } from "../format";
import { msg, t } from "../i18n";


/**
 * Follows a run over its Server-Sent Events stream: a progress bar of elapsed time against
 * the time limit, the best objective and bound over time, and a Cancel button. Calls
 * `onDone` once with the finished run. If the stream breaks, it polls the run instead.
 */
export function RunProgress({ run: initial, onDone, onClose, title }: {
  run: Run;
  onDone: (run: Run) => void;
  onClose: () => void;
  title?: string;
}) {
  const [points, setPoints] = useState<ProgressPoint[]>(initial.progress);
  const [status, setStatus] = useState(initial.status);
  const [cancelling, setCancelling] = useState(false);
  const [finished, setFinished] = useState<Run | null>(initial.finished_at ? initial : null);
  const [tick, setTick] = useState(() => Date.now());
  const started = useRef(Date.now());
  const doneRef = useRef(onDone);
  doneRef.current = onDone;
  const limit = Number(initial.params.time_limit_s ?? 10);

  useEffect(() => {
    let finished = false;
    const finish = (run: Run) => {
      if (finished) return;
      finished = true;
      setPoints(run.progress);
      setStatus(run.status);
      setFinished(run);
      doneRef.current(run);
    };
    const source = new EventSource(`/api/v1/schedules/${initial.id}/events`);
    source.addEventListener("progress", (e) => {
      const p = JSON.parse((e as MessageEvent).data) as ProgressPoint;
      setPoints((prev) => [...prev.filter((q) => q.elapsed < p.elapsed), p]);
    });
    source.addEventListener("status", (e) => setStatus(JSON.parse((e as MessageEvent).data).status));
    source.addEventListener("done", (e) => {
      source.close();
      finish(JSON.parse((e as MessageEvent).data) as Run);
    });
    let poll = 0;
    source.onerror = () => {
      source.close();
      if (finished) return;
      poll = window.setInterval(() => {
        getRun(initial.id).then((run) => {
          setPoints(run.progress);
          setStatus(run.status);
          if (run.finished_at || run.status === "failed") {
            window.clearInterval(poll);
            finish(run);
          }
        }, () => undefined);
      }, 1000);
    };
    const clock = window.setInterval(() => !finished && setTick(Date.now()), 200);
    return () => {
      finished = true;
      source.close();
      window.clearInterval(poll);
      window.clearInterval(clock);
    };
  }, [initial.id]);

  const lastElapsed = points.length ? points[points.length - 1].elapsed : 0;
  const wall = finished?.finished_at ? (Date.parse(finished.finished_at) - Date.parse(finished.created_at)) / 1000 : (tick - started.current) / 1000 - 0.5;
  const elapsed = Math.min(limit, Math.max(lastElapsed, wall));
  const frac = finished ? 1 : Math.max(0, Math.min(1, elapsed / limit));
  const best = points.length ? points[points.length - 1] : null;

  // The result in the planner's terms, from the plan the run made.
  const [result, setResult] = useState<PlanDetail | null>(null);
  const resultId = finished?.plan_id ?? finished?.heuristic_plan_id ?? null;
  useEffect(() => {
    if (resultId !== null) getPlan(resultId).then(setResult, () => undefined);
  }, [resultId]);

  const cancel = async () => {
    setCancelling(true);
    try {
      await cancelRun(initial.id);
    } catch {
      setCancelling(false);
    }
  };

  return (
    <section className={`panel run-panel${finished ? " run-finished" : ""}`} data-testid="run-progress" data-status={status} aria-live="polite">
      <div className="run-head">
        <div>
          <h2 className="panel-title">
            {finished ? (status === "failed" ? t("Run failed") : status === "cancelled" ? t("Run stopped") : t("Run finished")) : title ?? t("Optimizing")}
            {" "}<span className="muted" data-testid="run-status">{t("run #{id}", { id: String(initial.id) })} · {runStatus(status)}</span>
          </h2>
        </div>
        {finished
          ? <button type="button" className="btn" onClick={onClose}>{t("Close")}</button>
          : <button type="button" className="btn" onClick={cancel} disabled={cancelling}>{cancelling ? t("Stopping…") : t("Cancel")}</button>}
      </div>
      <div className="run-grid run-grid-single">
        <div>
          <div className="run-bar" role="progressbar" aria-label={t("Solver time")} aria-valuemin={0} aria-valuemax={limit}
            aria-valuenow={Math.round(elapsed)} data-testid="run-progressbar">
            <div className="run-bar-fill" style={{ width: `${frac * 100}%` }} />
          </div>
          <div className="run-facts">
            <span><strong>{fmtDecimal(elapsed)} s</strong> {t("of {limit} s", { limit })}</span>
            <span>{t("Better plans found: {count}", { count: points.length })}</span>
          </div>
          {result && <RunResult plan={result} />}
          <details className="solver-details" data-testid="run-details">
            <summary>{t("Solver details")}</summary>
            <ul>
              <li>{t("Solver score of the best plan so far (lateness weighted by order priority; lower is better): {value}", { value: best ? fmtNumber(Math.round(best.objective)) : "—" })}</li>
              <li>{t("No plan can do better than: {value}", { value: best ? fmtNumber(Math.round(best.bound)) : "—" })}</li>
              <li>{best
                ? best.gap === 0 ? t("The plan is proven best for this goal.") : t("The plan may be up to {percent} worse than the best possible.", { percent: fmtPercent(best.gap) })
                : t("No plan yet.")}</li>
            </ul>
            <ObjectiveChart points={points} limit={limit} />
          </details>
          <p className="muted run-note">
            {finished
              ? finished.status === "failed"
                ? finished.error ?? t("The solver failed.")
                : `${finished.error ? `${finished.error}. ` : ""}${finished.gap === 0 ? t("The result is open below — proven optimal.") : t("The result is open below.")}`
              : t("A quick plan is ready within seconds; the solver keeps improving it until the time limit.")}
          </p>
        </div>
      </div>
    </section>
  );
}

/** What the run's plan means for the orders: late orders, hours late, changeovers, end. */
function RunResult({ plan }: { plan: PlanDetail }) {
  const { late, lateS } = lateness(plan);
  const f = plan.figures;
  return (
    <p className="run-result" data-testid="run-result">
      <strong>{t("{count} late orders", { count: late })}</strong>
      {late > 0 && <> · {t("{span} late in total", { span: fmtHours(lateS) })}</>}
      {" · "}{f.changeovers ? t("{count} changeovers ({span})", { count: f.changeovers, span: fmtHours(f.changeover_s) }) : t("no changeovers")}
      {" · "}{t("all work done by {time}", { time: fmtWhen(f.makespan_end) })}
    </p>
  );
}

/** Best objective (solid) and lower bound (dashed) over solver time, as steps. */
export function ObjectiveChart({ points, limit }: { points: ProgressPoint[]; limit: number }) {
  const W = 320;
  const H = 120;
  const P = { l: 8, r: 8, t: 10, b: 20 };
  const top = Math.max(1, ...points.map((p) => p.objective));
  const x = (s: number) => P.l + (W - P.l - P.r) * Math.min(1, s / limit);
  const y = (v: number) => P.t + (H - P.t - P.b) * (1 - v / top);
  const steps = (key: "objective" | "bound") => {
    let d = "";
    points.forEach((p, i) => {
      d += i === 0 ? `M${x(p.elapsed)},${y(p[key])}` : `H${x(p.elapsed)}V${y(p[key])}`;
    });
    if (points.length) d += `H${x(Math.max(points[points.length - 1].elapsed, 0))}`;
    return d;
  };
  return (
    <figure className="objective-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t("Best objective and bound over time")}>
        <line x1={P.l} x2={W - P.r} y1={H - P.b} y2={H - P.b} className="axis" />
        <text x={P.l} y={H - 5} className="axis-label">0 s</text>
        <text x={W - P.r} y={H - 5} className="axis-label" textAnchor="end">{limit} s</text>
        <path d={steps("bound")} className="line-bound" />
        <path d={steps("objective")} className="line-objective" />
        {points.map((p, i) => <circle key={i} cx={x(p.elapsed)} cy={y(p.objective)} r={2.5} className="dot-objective" />)}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend-item"><i className="swatch swatch-objective" />{t("Best plan")}</span>
        <span className="legend-item"><i className="swatch swatch-bound" />{t("Lower bound")}</span>
      </figcaption>
    </figure>
  );
}

const RUN_STATUS: Record<string, string> = {
  queued: msg("queued"), running: msg("running"), done: msg("done"), finished: msg("finished"),
  failed: msg("failed"), cancelled: msg("cancelled"), optimal: msg("optimal"), feasible: msg("feasible"),
};

function runStatus(s: string): string {
  return RUN_STATUS[s] ? t(RUN_STATUS[s]) : s;
}
