// Types and calls of scheduled reports (/reports/...).
import { del, get, post, put } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Subscription = Schemas["SubscriptionOut"];
export type SubscriptionIn = Schemas["SubscriptionIn"];
export type ReportKind = Schemas["ReportKind"];
export type Preview = Schemas["PreviewOut"];

export const listSubscriptions = (everyone: boolean) => get<Subscription[]>("/reports/subscriptions", { everyone });
export const createSubscription = (body: SubscriptionIn) => post<Subscription>("/reports/subscriptions", body);
export const updateSubscription = (id: number, body: SubscriptionIn) => put<Subscription>(`/reports/subscriptions/${id}`, body);
export const deleteSubscription = (id: number) => del(`/reports/subscriptions/${id}`);
export const sendNow = (id: number) => post<Schemas["SendOut"]>(`/reports/subscriptions/${id}/send`, {});

function previewQuery(report: ReportKind, lineIds: number[]): string {
  const params = new URLSearchParams({ report });
  for (const id of lineIds) params.append("line_id", String(id));
  return params.toString();
}

// The query is built here: the API helper's query takes one value per key.
export const preview = (report: ReportKind, lineIds: number[]) =>
  get<Preview>(`/reports/preview?${previewQuery(report, lineIds)}`);
export const previewPdfUrl = (report: ReportKind, lineIds: number[]) =>
  `/api/v1/reports/preview.pdf?${previewQuery(report, lineIds)}`;
