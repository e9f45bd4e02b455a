// Types and calls of the quality routes (/quality/...).
import { get, getAll, post, type Query } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Plan = Schemas["QualityPlanOut"];
export type Characteristic = Schemas["QualityCharacteristicOut"];
export type Inspection = Schemas["QualityInspectionOut"];
export type InspectionIn = Schemas["QualityInspectionIn"];
export type InspectionPage = Schemas["QualityInspectionPage"];
export type Nonconformance = Schemas["QualityNonconformanceOut"];
export type NonconformancePage = Schemas["QualityNonconformancePage"];
export type Chart = Schemas["QualityChartOut"];
export type ChartPoint = Schemas["QualityChartPointOut"];
export type Figures = Schemas["QualityFiguresOut"];
export type Pareto = Schemas["QualityParetoOut"];
export type Disposition = Schemas["Disposition"];

export const listPlans = () => getAll<Plan>("/quality/plans", { sort: "step_seq" });
export const listCharacteristics = () => getAll<Characteristic>("/quality/characteristics", { sort: "name" });
export const getChart = (id: number) => get<Chart>(`/quality/characteristics/${id}/chart`);
export const getFigures = (query: Query) => get<Figures>("/quality/figures", query);
export const getPareto = (by: string, query: Query) => get<Pareto>("/quality/pareto", { ...query, by });
export const listInspections = (query: Query) => get<InspectionPage>("/quality/inspections", query);
export const listNonconformances = (status?: string) =>
  get<NonconformancePage>("/quality/nonconformances", { status });
export const recordInspection = (body: InspectionIn) => post<Inspection>("/quality/inspections", body);
export const dispose = (id: number, disposition: Disposition, version: number, note: string) =>
  post<Nonconformance>(`/quality/nonconformances/${id}/disposition`, { disposition, version, note });
export const acknowledgeCharacteristic = (id: number) =>
  post<Characteristic>(`/quality/characteristics/${id}/acknowledge`, {});
export type SampleDue = Schemas["QualitySampleDueOut"];
export const listSamplesDue = () => get<SampleDue[]>("/quality/samples");
