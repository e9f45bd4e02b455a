// Types and calls of the cost rates and the order predictions (/delivery/cost-rates,
// /delivery/orders/{id}/prediction, /delivery/models).
import { get, post, put } from "../api";
import type { components } from "../api.gen";
import { locale } from "../i18n";

type Schemas = components["schemas"];

export type CostRates = Schemas["CostRatesOut"];
export type CostRatesIn = Schemas["CostRatesIn"];
export type OrderPrediction = Schemas["DeliveryOrderPredictionOut"];
export type PredictionModel = Schemas["DeliveryModelOut"];
export type PlanPrediction = Schemas["PlanPredictionOut"];

export const getCostRates = () => get<CostRates>("/delivery/cost-rates");
export const putCostRates = (body: CostRatesIn) => put<CostRates>("/delivery/cost-rates", body);
export const getOrderPrediction = (id: number) => get<OrderPrediction>(`/delivery/orders/${id}/prediction`);
export const listModels = () => get<PredictionModel[]>("/delivery/models");
export const trainModels = () => post<{ job_id: number }>("/delivery/models/train", {});

/** "1.234,50 €" in the user's locale, in the factory's currency. */
export function fmtMoney(value: number, currency: string): string {
  return new Intl.NumberFormat(locale(), { style: "currency", currency, maximumFractionDigits: 0 }).format(value);
}
