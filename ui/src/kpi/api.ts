// Types and calls of the KPI and downtime routes (/kpi/..., /downtime/...).
import { get, post, type Query } from "../api";

export type Convention = "iso22400" | "six_big_losses";
export type ScopeKind = "machine" | "line" | "area" | "site";
export type ParetoBy = "reason" | "fault" | "machine" | "line" | "shift";
export type ParetoMeasure = "duration" | "count";
export type BucketSize = "hour" | "shift" | "day";

export interface Kpis {
  availability: number | null;
  effectiveness: number | null;
  quality_ratio: number | null;
  quality_ratio_time_weighted: number | null;
  oee: number | null;
  nee: number | null;
  technical_efficiency: number | null;
  setup_rate: number | null;
  allocation_efficiency: number | null;
  throughput_rate_per_hour: number | null;
  scrap_ratio: number | null;
  rework_ratio: number | null;
  first_pass_yield: number | null;
  mtbf_s: number | null;
  mttr_s: number | null;
}
export type KpiName = keyof Kpis;

export interface TimeElements {
  pot: number;
  pdot: number;
  pbt: number;
  apt: number;
  asut: number;
  aupt: number;
  adet: number;
  adot: number;
  unknown: number;
  aubt: number;
  adet_minor_stops: number;
  adet_idle_short: number;
  adet_idle_long: number;
  overtime: number;
  not_planned: number;
  run_time_six_big_losses: number;
}

export interface Counts {
  PQ: number;
  GQ: number;
  SQ: number;
  RQ: number;
  IP: number;
  GP: number;
  sum_PRU_x_PQ_s: number;
  sum_PRU_x_GQ_s: number;
}

export interface ScopeInfo {
  kind: ScopeKind;
  id: number;
  code: string;
  name: string;
  site_id: number;
  restricted_to_areas: number[] | null;
}

export interface WindowInfo {
  start: string;
  end: string;
  kind: "day" | "week" | "shift" | "range";
  label: string;
  timezone: string;
  hours: number;
}

export interface Summary {
  kpis: Kpis;
  time_elements_s: TimeElements;
  counts: Counts;
  events: { failures: number; minor_stops: number };
}

export interface MachineFigures extends Summary {
  id: number;
  code: string;
  line_id: number;
}

export interface LineBlock {
  id: number;
  code: string;
  oee_output_based: number | null;
  formula: string;
  pbt_s: number;
  good_out: Record<string, number>;
  line_PRU_s: Record<string, number>;
  last_station: string;
  stations_combined_oee: number | null;
  lowest_station_oee: number | null;
}

export interface Figures extends Summary {
  scope: ScopeInfo;
  window: WindowInfo;
  convention: Convention;
  warnings: string[];
  machines?: MachineFigures[];
  lines?: LineBlock[];
}

export interface SourceLink {
  kind: "interval" | "count" | "no_data" | "break" | "shift" | "other";
  machine_id?: number;
  start?: string;
  end?: string | null;
  href?: string;
  event_id?: string;
  label?: string;
}

export interface ExplainStop {
  work_unit: string;
  state: string;
  start: string;
  end: string;
  duration_s: number;
  lost_s: number;
  reason: string | null;
  fault: string | null;
  minor: boolean;
  counted_here: boolean;
  intervals: SourceLink[];
}

export interface ProductCounts {
  work_unit: string;
  product: string;
  PRU_s: number | null;
  PQ: number;
  GQ: number;
  SQ: number;
  RQ: number;
  IP: number;
  GP: number;
}

export interface Explain extends Figures {
  parts: string[];
  products: ProductCounts[];
  formulas: Record<string, string>;
  sources: Record<string, { total: number; links: SourceLink[]; truncated: boolean }>;
  stops: { total: number; items: ExplainStop[]; truncated: boolean };
  counts_rule: string;
}

export interface TrendBucket extends Summary {
  label: string;
  start: string;
  end: string;
}

export interface Trend {
  scope: ScopeInfo;
  window: WindowInfo;
  convention: Convention;
  bucket: BucketSize;
  buckets: TrendBucket[];
  warnings: string[];
}

export interface ParetoRow {
  key: string;
  duration_s: number;
  count: number;
  share: number;
  cumulative_share: number;
}

export interface Pareto {
  scope: ScopeInfo;
  window: WindowInfo;
  by: ParetoBy;
  measure: ParetoMeasure;
  total_duration_s: number;
  total_count: number;
  rows: ParetoRow[];
  warnings: string[];
}

export interface UnassignedStop {
  machine_id: number;
  machine_code: string;
  machine_name: string;
  machine_kind: string;
  line_id: number;
  line_code: string;
  area_id: number;
  start: string;
  end: string | null;
  ongoing: boolean;
  duration_s: number;
  minor: boolean;
  fault: string | null;
}

export interface ReasonNode {
  id: number;
  code: string;
  name: string;
  machine_class: string | null;
  children: ReasonNode[];
}

export interface Assignment {
  id: number;
  machine_id: number;
  start: string;
  reason_code_id: number;
  reason: string;
  note: string;
}

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

export const listUnassigned = () =>
  get<{ items: UnassignedStop[]; total: number }>("/downtime/unassigned", { limit: 200 });

export const getReasonTree = (machineId: number) =>
  get<{ machine_id: number; machine_class: string; reasons: ReasonNode[] }>("/downtime/reasons", {
    machine_id: machineId,
  });

export const assignReason = (body: { machine_id: number; start: string; reason_code_id: number; note?: string }) =>
  post<Assignment>("/downtime/assignments", body);
