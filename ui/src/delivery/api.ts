// Types and calls of the delivery routes (/delivery/...).
import { get, type Query } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type DeliveryOrders = Schemas["DeliveryOrdersOut"];
export type DeliveryOrder = Schemas["DeliveryOrderOut"];
export type DeliveryOrderDetail = Schemas["DeliveryOrderDetailOut"];
export type DeliveryDelay = Schemas["DeliveryDelayOut"];
export type Bottlenecks = Schemas["DeliveryBottlenecksOut"];
export type BottleneckWindow = Schemas["DeliveryWindowOut"];
export type Attribution = Schemas["DeliveryAttributionOut"];

/** The late risk at which an order is flagged (highlighted): the server's
 * ``analytics/delivery.LATE_FLAG_P``, chosen on a tuning run of bench/delivery.py. */
export const LATE_FLAG_P = 0.7;

export const getDeliveryOrders = (limit = 200) => get<DeliveryOrders>("/delivery/orders", { limit });
export const getDeliveryOrder = (id: number) => get<DeliveryOrderDetail>(`/delivery/orders/${id}`);
export const getBottlenecks = (query: Query) => get<Bottlenecks>("/delivery/bottlenecks", query);
export const getAttribution = () => get<Attribution>("/delivery/attribution");
