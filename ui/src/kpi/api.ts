// Types and calls of the KPI and downtime routes (/kpi/..., /downtime/...).
import { get, post, type Query } from "../api";
import type { components } from "../api.gen";

// Response types are aliases of the schemas generated from the server (../api.gen.ts).
type Schemas = components["schemas"];

export type Convention = Schemas["Convention"];
export type ScopeKind = Schemas["ScopeKind"];
export type ParetoBy = Schemas["ParetoBy"];
export type ParetoMeasure = Schemas["ParetoMeasure"];
export type BucketSize = Schemas["BucketSize"];

export type Kpis = Schemas["KpisOut"];
export type KpiName = keyof Kpis;
export type TimeElements = Schemas["TimeElementsOut"];
export type Counts = Schemas["CountsOut"];
export type ScopeInfo = Schemas["ScopeOut"];
export type WindowInfo = Schemas["WindowOut"];

/** The figures every scope, machine and trend bucket carries. */
export type Summary = Pick<Schemas["FiguresOut"], "kpis" | "time_elements_s" | "counts" | "events">;

export type MachineFigures = Schemas["MachineFiguresOut"];
export type LineBlock = Schemas["LineOeeOut"];
export type Figures = Schemas["FiguresOut"];
export type SourceLink = Schemas["StopOut"]["intervals"][number];
export type ExplainStop = Schemas["StopOut"];
export type ProductCounts = Schemas["ProductCountsOut"];
export type Explain = Schemas["ExplainOut"];
export type TrendBucket = Schemas["TrendBucketOut"];
export type Trend = Schemas["TrendOut"];
export type ParetoRow = Schemas["ParetoRowOut"];
export type Pareto = Schemas["ParetoOut"];
export type UnassignedStop = Schemas["UnassignedStopOut"];
export type ReasonNode = Schemas["ReasonNodeOut"];
export type Assignment = Schemas["AssignmentOut"];
export type DataQuality = Schemas["DataQualityOut"];
export type Shift = Schemas["RecentShiftOut"];
export type Shifts = Schemas["RecentShiftsOut"];
export type ShiftReport = Schemas["ShiftReportOut"];

/** A reporting window as the API takes it: from/to (both UTC ISO). */
export interface Window {
  from: string;
  to: string;
}

export interface ScopeRef {
  kind: ScopeKind;
  id: number;
}

const path = (s: ScopeRef) => `/kpi/${s.kind}/${s.id}`;
const win = (w: Window): Query => ({ from: w.from, to: w.to });

export const getFigures = (s: ScopeRef, w: Window, convention: Convention) =>
  get<Figures>(path(s), { ...win(w), convention });

export const getExplain = (s: ScopeRef, w: Window, convention: Convention) =>
  get<Explain>(`${path(s)}/explain`, { ...win(w), convention, source_limit: 200 });

export const getTrend = (s: ScopeRef, w: Window, bucket: BucketSize, convention: Convention) =>
  get<Trend>(`${path(s)}/trend`, { ...win(w), bucket, convention });

export const getPareto = (s: ScopeRef, w: Window, by: ParetoBy, measure: ParetoMeasure) =>
  get<Pareto>(`${path(s)}/pareto`, { ...win(w), by, measure });

/** The scope's shifts that started in the last 7 days, newest first. */
export const getShifts = (s: ScopeRef) => get<Shifts>(`${path(s)}/shifts`);

/** One line's report of one shift: `shift` is "current", "previous" or a label "A@2026-12-05". */
export const getShiftReport = (lineId: number, shift: string, convention: Convention) => {
  const [code, day] = shift.split("@");
  return get<ShiftReport>(`/kpi/line/${lineId}/shift-report`, day ? { shift: code, day, convention } : { shift, convention });
};

export const listUnassigned = () =>
  get<Schemas["UnassignedPageOut"]>("/downtime/unassigned", { limit: 200 });

export const getReasonTree = (machineId: number) =>
  get<Schemas["ReasonTreeOut"]>("/downtime/reasons", {
    machine_id: machineId,
  });

export const assignReason = (body: { machine_id: number; start: string; reason_code_id: number; note?: string }) =>
  post<Assignment>("/downtime/assignments", body);
