// A plan in the planner's terms: late orders, hours late, changeovers, when it ends and how
// loaded the busiest line is. The solver's own numbers (objective, bound, gap) are only in
// a "Solver details" disclosure, explained in words.
import type { PlanDetail } from "./api";
import { fmtHours, fmtWhen } from "./bits";
import { fmtNumber, fmtPercent, zoneLabel } from "../format";
import { msg, t } from "../i18n";

/** Late orders (by the one lateness rule the Orders list uses) and their hours late. */
export function lateness(plan: PlanDetail): { late: number; lateS: number } {
  const late = plan.orders.filter((o) => o.late);
  return { late: late.length, lateS: late.reduce((s, o) => s + (o.late_by_s ?? o.tardiness_s), 0) };
}

export function PlanFigures({ plan, operations }: { plan: PlanDetail; operations: number }) {
  const f = plan.figures;
  const { late, lateS } = lateness(plan);
  return (
    <dl className="facts sched-facts" data-testid="plan-figures">
      <div className={`fact${late ? " fact-late" : ""}`}>
        <dt>{t("Late orders")}</dt>
        <dd><span data-testid="late-orders">{late}</span> <span className="sub">{t("of {count}", { count: plan.orders.length })}</span></dd>
      </div>
      <div className={`fact${late ? " fact-late" : ""}`}>
        <dt>{t("Hours late")}</dt>
        <dd data-testid="hours-late">{late ? fmtHours(lateS) : t("none")}</dd>
      </div>
      <div className="fact">
        <dt>{t("Changeovers")}</dt>
        <dd data-testid="changeovers">{fmtNumber(f.changeovers)} <span className="sub">{f.changeovers ? t("taking {span}", { span: fmtHours(f.changeover_s) }) : ""}</span></dd>
      </div>
      <div className="fact">
        <dt>{t("All work done by")}</dt>
        <dd data-testid="plan-end" title={zoneLabel()}>{fmtWhen(f.makespan_end)}</dd>
      </div>
      <div className="fact">
        <dt>{t("Busiest line")}</dt>
        <dd data-testid="bottleneck">
          {f.bottleneck_line_code ?? "—"}
          {f.bottleneck_utilization !== null && <span className="sub"> {t("{percent} busy", { percent: fmtPercent(f.bottleneck_utilization) })}</span>}
        </dd>
      </div>
      <div className="fact">
        <dt>{t("Operations")}</dt>
        <dd>{fmtNumber(operations)}</dd>
      </div>
      <SolverDetails plan={plan} />
    </dl>
  );
}

const STATUS_WORDS: Record<string, string> = {
  optimal: msg("The solver proved that no better plan exists."),
  feasible: msg("The solver found this plan; a better one may exist."),
  heuristic: msg("A quick plan from dispatching rules, before the solver improved it."),
  edited: msg("Changed by hand after the solver."),
};

/** The solver's figures, for whoever asks, in words. */
function SolverDetails({ plan }: { plan: PlanDetail }) {
  const objective = plan.objective?.weighted_tardiness;
  const words = STATUS_WORDS[plan.solver_status];
  return (
    <details className="solver-details" data-testid="solver-details">
      <summary>{t("Solver details")}</summary>
      <ul>
        <li>{words ? t(words) : t("Solver status: {status}", { status: plan.solver_status })}</li>
        {objective !== undefined && (
          <li>{t("Solver score of this plan (lateness weighted by order priority; lower is better): {value}", { value: fmtNumber(objective) })}</li>
        )}
        {plan.bound !== null && (
          <li>{t("No plan can do better than: {value}", { value: fmtNumber(Math.round(plan.bound)) })}</li>
        )}
        {plan.gap !== null && (
          <li>{plan.gap === 0
            ? t("The plan is proven best for this goal.")
            : t("The plan may be up to {percent} worse than the best possible.", { percent: fmtPercent(plan.gap) })}</li>
        )}
      </ul>
    </details>
  );
}
