// Types and calls of the planning routes (/schedules, /plans, /scenarios).
import { ApiError, get, post, type FieldError } from "../api";

export type Level = "weighted_tardiness" | "makespan" | "bottleneck_idle" | "changeovers";
export type RunStatus = "queued" | "running" | "succeeded" | "cancelled" | "failed" | string;
export type PlanStatus = "draft" | "published" | "rejected" | "superseded" | string;

export interface ProgressPoint {
  elapsed: number;
  objective: number;
  bound: number;
  gap: number;
}

export interface Run {
  id: number;
  kind: string;
  status: RunStatus;
  scenario_id: number | null;
  params: { time_limit_s?: number; horizon_days?: number; [k: string]: unknown };
  reason: string | null;
  created_at: string;
  finished_at: string | null;
  progress: ProgressPoint[];
  best_objective: number | null;
  bound: number | null;
  gap: number | null;
  heuristic_plan_id: number | null;
  plan_id: number | null;
  error: string | null;
}

export interface RunBody {
  horizon_days?: number;
  time_limit_s: number;
  num_workers?: number;
  objective?: { levels: Level[] };
}

export interface PlanSummary {
  id: number;
  version: number;
  kind: string;
  status: PlanStatus;
  proposal: boolean;
  reason: string | null;
  run_id: number | null;
  scenario_id: number | null;
  horizon_start: string;
  horizon_end: string;
  solver_status: string | null;
  objective: Record<string, number> | null;
  bound: number | null;
  gap: number | null;
  created_at: string;
  published_at: string | null;
}

/** The material an order's first operation waits for; `short`: nothing known covers it. */
export interface MaterialWait {
  code: string;
  name: string;
  unit: string;
  until: string | null;
  reference: string;
  short: boolean;
  missing: number;
}

export interface PlannedOp {
  id: number;
  operation_id: number;
  order_id: number;
  order_number: string;
  product_code: string;
  seq: number;
  name: string;
  line_id: number;
  line_code: string;
  start: string;
  end: string;
  setup_s: number;
  due_date: string | null;
  late: boolean;
  frozen: boolean;
  material_wait?: MaterialWait | null;
}

export interface PlanLine {
  line_id: number;
  line_code: string;
  line_name: string;
  operations: PlannedOp[];
}

export interface PlanOrder {
  order_id: number;
  order_number: string;
  product_code: string;
  due_date: string | null;
  start: string;
  end: string;
  late: boolean;
  tardiness_s: number;
  operation_ids: number[];
  material_wait?: MaterialWait | null;
}

export interface PlanDetail extends PlanSummary {
  warnings?: string[];
  lines: PlanLine[];
  orders: PlanOrder[];
}

export type MoveMode = "strict" | "push";

export interface MovePlace {
  line_id: number;
  line_code: string;
  start: string;
  end: string;
}

/** What a move changed: the operation, those pushed along, and the orders' new ends. */
export interface MoveReport {
  mode: MoveMode;
  operation_id: number;
  order_number: string;
  seq: number;
  from: MovePlace;
  to: MovePlace;
  pushed: {
    operation_id: number | null;
    order_number: string;
    seq: number;
    line_id: number;
    line_code: string;
    from_start: string;
    to_start: string;
    delay_s: number;
  }[];
  orders: {
    order_number: string;
    due_date: string | null;
    end_before: string;
    end_after: string;
    tardiness_before_s: number;
    tardiness_after_s: number;
  }[];
}

export interface MovedPlan extends PlanDetail {
  move: MoveReport;
}

/** A refused move: the rule it breaks and the other operation involved. */
export interface MoveError extends FieldError {
  rule?: string;
  other_operation_id?: number | null;
  other_order_number?: string | null;
}

export type ChangeKind = "line_down" | "rush_order" | "absent_operator" | "extra_shift";

export interface ScenarioChange {
  id: number;
  kind: ChangeKind;
  [field: string]: unknown;
}

export interface Scenario {
  id: number;
  name: string;
  version: number;
  created_at: string;
  baseline_plan_id: number | null;
  plan_id: number | null;
  adopted_plan_id: number | null;
  changes: ScenarioChange[];
}

/** Why a scenario cannot be published: ``code`` says what to do (see docs/api.md). */
export interface AdoptRefusal extends FieldError {
  code?: string;
  published_plan_id?: number;
}

export interface Adopted {
  plan: PlanSummary;
  scenario_id: number;
  scenario_plan_id: number;
  superseded_plan_id: number | null;
  assumptions: { change_id: number; kind: ChangeKind; text: string }[];
}

export interface Totals {
  weighted_tardiness: number;
  tardiness_s: number;
  late_orders: number;
  orders: number;
  makespan_s: number;
  changeovers: number;
  idle_s: number;
  utilization: number;
  [k: string]: number;
}

export interface LineFigures {
  line_code: string;
  available_s: number;
  busy_s: number;
  setup_s: number;
  idle_s: number;
  utilization: number;
  [k: string]: unknown;
}

export interface Comparison {
  scenario_id: number;
  baseline_plan_id: number;
  scenario_plan_id: number;
  baseline: Totals;
  scenario: Totals;
  delta: Record<string, number>;
  orders: {
    order_number: string;
    due_date: string | null;
    baseline_end: string | null;
    scenario_end: string | null;
    baseline_tardiness_s: number | null;
    scenario_tardiness_s: number | null;
    delta_tardiness_s: number;
    only_in: "scenario" | "baseline" | null;
  }[];
  lines: { line_id: number; line_code: string; baseline: LineFigures | null; scenario: LineFigures | null }[];
}

const BASE = "/api/v1";

function csrf(): string | null {
  const hit = document.cookie.split("; ").find((c) => c.startsWith("lw_csrf="));
  return sessionStorage.getItem("linewise.csrf") ?? (hit ? decodeURIComponent(hit.slice(8)) : null);
}

/** PATCH/DELETE are not in the shared client: same rules (CSRF header, problem+json errors). */
async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = csrf();
  if (token) headers["X-CSRF-Token"] = token;
  let res: Response;
  try {
    res = await fetch(BASE + path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "Network error", "Cannot reach the Linewise server. Check the connection and try again.");
  }
  if (!res.ok) {
    let problem: Partial<{ title: string; detail: string; errors: FieldError[] }> = {};
    try {
      problem = await res.json();
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, problem.title ?? `HTTP ${res.status}`, problem.detail ?? res.statusText, problem.errors ?? []);
  }
  return (await res.json()) as T;
}

export const startRun = (body: RunBody) => post<Run>("/schedules", body);
export const getRun = (id: number) => get<Run>(`/schedules/${id}`);
export const listRuns = (scenarioId?: number) => get<Run[]>("/schedules", { scenario_id: scenarioId, limit: 5 });
export const cancelRun = (id: number) => post<Run>(`/schedules/${id}/cancel`, {});
export const listPlans = (scenarioId?: number) => get<PlanSummary[]>("/plans", { scenario_id: scenarioId, limit: 30 });
export const getPlan = (id: number) => get<PlanDetail>(`/plans/${id}`);
export const publishPlan = (id: number, version: number) => post<PlanSummary>(`/plans/${id}/publish`, { version });
export const rejectPlan = (id: number) => post<PlanSummary>(`/plans/${id}/reject`, {});
export const moveOperation = (planId: number, operationId: number, body: { start?: string; line_id?: number; version: number; mode?: MoveMode }) =>
  send<MovedPlan>("PATCH", `/plans/${planId}/operations/${operationId}`, body);

export const listScenarios = () => get<Scenario[]>("/scenarios");
export const createScenario = (name: string, baselinePlanId?: number) =>
  post<Scenario>("/scenarios", { name, baseline_plan_id: baselinePlanId });
export const addChange = (id: number, change: Record<string, unknown>) => post<Scenario>(`/scenarios/${id}/changes`, change);
export const deleteChange = (id: number, changeId: number) => send<Scenario>("DELETE", `/scenarios/${id}/changes/${changeId}`);
export const solveScenario = (id: number, body: RunBody) => post<Run>(`/scenarios/${id}/solve`, body);
export const compareScenario = (id: number) => get<Comparison>(`/scenarios/${id}/compare`);
/** Adopt: the scenario's plan becomes the published plan (409 lists every reason why not). */
export const publishScenario = (id: number, planId: number) => send<Adopted>("POST", `/scenarios/${id}/publish`, { plan_id: planId });
export const rebaseScenario = (id: number) => send<Scenario>("POST", `/scenarios/${id}/rebase`);

/**
 * Start a run; when one is already going (409) follow that one instead of failing: the
 * shared client drops the problem's extra members, so the running run is looked up.
 */
export async function startOrFollow(start: () => Promise<Run>, scenarioId?: number): Promise<Run> {
  try {
    return await start();
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) throw err;
    const runs = await listRuns(scenarioId);
    const going = runs.find((r) => r.finished_at === null && r.status !== "failed");
    if (!going) throw err;
    return going;
  }
}
