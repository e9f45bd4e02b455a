// Types and calls of the maintenance routes (/maintenance/...).
import { get, post, put, uploadFile, type Query } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Plan = Schemas["MaintenancePlanOut"];
export type PlanIn = Schemas["MaintenancePlanIn"];
export type MOrder = Schemas["MaintenanceOrderOut"];
export type MStatus = MOrder["status"];
export type Figures = Schemas["MaintenanceFiguresOut"];
export type FiguresRow = Schemas["MaintenanceFiguresRow"];
export type Series = Schemas["TelemetrySeriesOut"];
export type Signal = Schemas["TelemetrySignalOut"];
export type StepResult = NonNullable<MOrder["steps"][number]["result"]>;

export const listPlans = () => get<Plan[]>("/maintenance/plans");
export const createPlan = (body: PlanIn) => post<Plan>("/maintenance/plans", body);
export const listMOrders = (query: Query) => get<MOrder[]>("/maintenance/orders", query);
export const reportProblem = (machineId: number, title: string) =>
  post<MOrder>("/maintenance/orders", { machine_id: machineId, kind: "corrective", title });
export const transition = (id: number, to: MOrder["status"], scheduledStart?: string) =>
  post<MOrder>(`/maintenance/orders/${id}/transition`, scheduledStart ? { to, scheduled_start: scheduledStart } : { to });
export const recordStep = (id: number, stepId: number, result: StepResult) =>
  put<MOrder>(`/maintenance/orders/${id}/steps/${stepId}`, { result });
export const bookLabour = (id: number, who: string, minutes: number) =>
  post<MOrder>(`/maintenance/orders/${id}/labour`, { who, minutes });
export const generateNow = () => post<Schemas["MaintenanceGenerateOut"]>("/maintenance/generate", {});
export const getFigures = () => get<Figures>("/maintenance/figures");
export const getTelemetry = (machineId: number, from: string, to: string, buckets: number) =>
  get<Series>("/maintenance/telemetry", { machine_id: machineId, from, to, buckets });
export type Warning = Schemas["MaintenanceWarningOut"];
/** The live detector's stored warnings, one per episode, latest alarm first. */
export const listWarnings = (query: Query) => get<Warning[]>("/maintenance/warnings", query);
export const acknowledgeWarning = (id: number) => post<Warning>(`/maintenance/warnings/${id}/acknowledge`, {});
export const resolveWarning = (id: number) => post<Warning>(`/maintenance/warnings/${id}/resolve`, {});
/** A warning becomes a maintenance order in one tap. */
export const orderFromWarning = (id: number) => post<MOrder>(`/maintenance/warnings/${id}/order`, {});
export type Model = Schemas["MaintenanceModelOut"];
/** The anomaly detector's trained baselines, every version, newest first. */
export const listModels = () => get<Model[]>("/maintenance/models");
/** Train new baselines as a background job (every machine the user sees). */
export const trainModels = () => post<Schemas["MaintenanceTrainOut"]>("/maintenance/models/train", {});
/** Make a trained version the machine's active baseline (e.g. back to an older one). */
export const activateModel = (id: number) => post<Model>(`/maintenance/models/${id}/activate`, {});
/** Switch the machine's baseline off: its live detector learns afresh. */
export const deactivateModel = (id: number) => post<Model>(`/maintenance/models/${id}/deactivate`, {});
export type OrderFile = Schemas["MaintenanceDocumentOut"];
export const listOrderFiles = (orderId: number) => get<OrderFile[]>(`/maintenance/orders/${orderId}/files`);
/** A PDF or a photo on an order (the same rules as work instructions). */
export const attachOrderFile = (orderId: number, file: File) =>
  uploadFile<OrderFile>(`/maintenance/orders/${orderId}/files`, {}, file);
export type Part = Schemas["MaintenancePartOut"];
export type PartIn = Schemas["MaintenancePartIn"];
/** Spare parts used on an order: issues in the material ledger, each with its removal. */
export const listParts = (orderId: number) => get<Part[]>(`/maintenance/orders/${orderId}/parts`);
/** A part used: issued from stock to the order (stock on hand falls). */
export const recordPart = (orderId: number, body: PartIn) => post<Part>(`/maintenance/orders/${orderId}/parts`, body);
/** A part booked by mistake goes back into stock (the ledger posts a reversal). */
export const removePart = (orderId: number, movementId: number) =>
  post<Part>(`/maintenance/orders/${orderId}/parts/${movementId}/removal`, {});
/** A spare part a plan's work is expected to use (shown on its orders to book from). */
export type PlanPart = Schemas["MaintenancePlanPart"];
