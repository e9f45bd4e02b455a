// Writes on production and customer orders (the reads are in ../api.ts).
import { del, get, getAll, patch, post, type OrderDetail, type OrderStatus, type Schemas } from "../api";

export type OrderIn = Schemas["OrderIn"];
export type OrderUpdate = Schemas["OrderUpdate"];
export type CustomerOrder = Schemas["CustomerOrderOut"];

export const createOrder = (body: OrderIn) => post<OrderDetail>("/orders", body);
/** PATCH with the version the form was opened with: 409 when someone changed it since. */
export const updateOrder = (id: number, body: OrderUpdate) => patch<OrderDetail>(`/orders/${id}`, body);
export const transitionOrder = (id: number, to: OrderStatus, version: number) =>
  post<OrderDetail>(`/orders/${id}/transitions`, { to, version });

export const listCustomerOrders = () => getAll<CustomerOrder>("/customer-orders", { sort: "number" });
export const getCustomerOrder = (id: number) => get<CustomerOrder>(`/customer-orders/${id}`);
export const createCustomerOrder = (body: { number: string; customer: string }) => post<CustomerOrder>("/customer-orders", body);
export const updateCustomerOrder = (id: number, body: { number?: string; customer?: string; version: number }) =>
  patch<CustomerOrder>(`/customer-orders/${id}`, body);
export const deleteCustomerOrder = (id: number) => del(`/customer-orders/${id}`);
