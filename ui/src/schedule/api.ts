// Types and calls of the planning routes (/schedules, /plans, /scenarios).
import { ApiError, get, post, type FieldError } from "../api";
import type { components } from "../api.gen";
import { t } from "../i18n";

// Response types are aliases of the schemas generated from the server (../api.gen.ts).
type Schemas = components["schemas"];

export type Level = NonNullable<Schemas["ObjectiveIn"]["levels"]>[number];
export type RunStatus = "queued" | "running" | "succeeded" | "cancelled" | "failed" | string;
export type PlanStatus = "draft" | "published" | "rejected" | "superseded" | string;

export type ProgressPoint = Schemas["ProgressPointOut"];
export type Run = Schemas["RunOut"];

export interface RunBody {
  horizon_days?: number;
  time_limit_s: number;
  num_workers?: number;
  objective?: { levels: Level[] };
}

export type PlanSummary = Schemas["PlanSummaryOut"];
/** The material an order's first operation waits for; `short`: nothing known covers it. */
export type MaterialWait = Schemas["MaterialWaitOut"];
export type PlannedOp = Schemas["GanttOperationOut"];
export type PlanLine = Schemas["GanttLineOut"];
export type PlanOrder = Schemas["GanttOrderOut"];
export type PlanDetail = Schemas["GanttOut"];

export type MoveMode = Schemas["MoveReportOut"]["mode"];
export type MovePlace = Schemas["PlacementOut"];
/** What a move changed: the operation, those pushed along, and the orders' new ends. */
export type MoveReport = Schemas["MoveReportOut"];
export type MovedPlan = Schemas["MovedGanttOut"];
/** The plan after an undo or redo, and each operation that went back (or forward). */
export type RestoredPlan = Schemas["RestoredGanttOut"];
/** Where an operation is put back to: its line and start (undo and redo of moves). */
export type Placement = Schemas["PlacementIn"];

/** A refused move: the rule it breaks and the other operation involved. */
export interface MoveError extends FieldError {
  rule?: string;
  other_operation_id?: number | null;
  other_order_number?: string | null;
}

export type ScenarioChange = Scenario["changes"][number];
export type ChangeKind = ScenarioChange["kind"];
export type Scenario = Schemas["ScenarioOut"];

/** Why a scenario cannot be published: ``code`` says what to do (see docs/api.md). */
export interface AdoptRefusal extends FieldError {
  code?: string;
  published_plan_id?: number;
}

export type Adopted = Schemas["AdoptionOut"];
export type PublishCheck = Schemas["PublishCheckOut"];
export type Totals = Schemas["PlanTotalsOut"];
export type LineFigures = Schemas["LineFiguresOut"];
export type Comparison = Schemas["ComparisonOut"];

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
    throw new ApiError(0, t("Network error"), t("Cannot reach the Linewise server. Check the connection and try again."));
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

/** Undo/redo: put operations where a move's answer said they were, in one validated write. */
export const restorePlacements = (planId: number, placements: Placement[], version: number) =>
  post<RestoredPlan>(`/plans/${planId}/restore`, { placements, version });

export const listScenarios = () => get<Scenario[]>("/scenarios");
export const createScenario = (name: string, baselinePlanId?: number) =>
  post<Scenario>("/scenarios", { name, baseline_plan_id: baselinePlanId });
export const addChange = (id: number, change: Record<string, unknown>) => post<Scenario>(`/scenarios/${id}/changes`, change);
export const deleteChange = (id: number, changeId: number) => send<Scenario>("DELETE", `/scenarios/${id}/changes/${changeId}`);
export const solveScenario = (id: number, body: RunBody) => post<Run>(`/scenarios/${id}/solve`, body);
export const compareScenario = (id: number) => get<Comparison>(`/scenarios/${id}/compare`);
/** Adopt: the scenario's plan becomes the published plan (409 lists every reason why not). */
export const publishScenario = (id: number, planId: number) => send<Adopted>("POST", `/scenarios/${id}/publish`, { plan_id: planId });
/** Could it be published now? Every refusal, and the orders publishing would create (no writes). */
export const checkPublish = (id: number) => get<PublishCheck>(`/scenarios/${id}/publish-check`);
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
