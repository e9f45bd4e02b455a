// Writes of the master-data editors: create (POST), update (PATCH with the version the
// editor opened, so a stale copy gets 409), replace a routing or BOM (PUT), delete.
import { ApiError, del, get, getAll, patch, post, put } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type Material = Schemas["MaterialOut"];
export type Bom = Schemas["BomOut"];
export type RoutingIn = Schemas["RoutingIn"];
export type RoutingStepIn = Schemas["RoutingStepIn"];
export type BomIn = Schemas["BomIn"];

/** A record of a flat resource: the editors need its id and the version they opened. */
export interface Versioned {
  id: number;
  version: number;
}

export type Values = Record<string, unknown>;

/** The generic CRUD routes of one resource ("/products", "/lines", ...). */
export interface Resource<R extends Versioned> {
  path: string;
  create: (values: Values) => Promise<R>;
  update: (id: number, values: Values, version: number) => Promise<R>;
  fetch: (id: number) => Promise<R>;
  remove: (id: number) => Promise<void>;
}

export function resource<R extends Versioned>(path: string): Resource<R> {
  return {
    path,
    create: (values) => post<R>(path, values),
    update: (id, values, version) => patch<R>(`${path}/${id}`, { ...values, version }),
    fetch: (id) => get<R>(`${path}/${id}`),
    remove: (id) => del(`${path}/${id}`),
  };
}

export const listMaterials = () => getAll<Material>("/materials", { sort: "code" });
export const getBom = (productId: number) => get<Bom>(`/products/${productId}/bom`);
export const putBom = (productId: number, body: BomIn) => put<Bom>(`/products/${productId}/bom`, body);
export const putRouting = (productId: number, body: RoutingIn) =>
  put<Schemas["RoutingOut"]>(`/products/${productId}/routing`, body);

/**
 * Someone else saved the record since the editor opened it: 412 (If-Match) or 409 that
 * names the stale version (a 409 naming another field is a duplicate code, a field error).
 */
export function isStale(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 412) return true;
  return error.status === 409 && (error.errors.length === 0 || error.errors.some((e) => e.field === "version"))
    && !/unique|in use|already exists/i.test(error.detail);
}
