// A small typed client for the Linewise REST API (/api/v1).
//
// The session lives in an HttpOnly cookie; every non-GET request must carry the CSRF
// token returned by /auth/login in the X-CSRF-Token header. Errors are problem+json.

const BASE = "/api/v1";
const CSRF_KEY = "linewise.csrf";
const CSRF_COOKIE = "lw_csrf";

// ---- response types: generated from the server's OpenAPI document (api.gen.ts) ----
// The names the pages import are aliases of the generated schemas; `make openapi`
// regenerates api.gen.ts when the server's routes change.

import type { components } from "./api.gen";
import { t } from "./i18n";

export type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type OrderStatus = Schemas["OrderStatus"];
export type OperationStatus = Schemas["OperationStatus"];
export type LineType = Schemas["LineType"];
export type ReasonCategory = Schemas["ReasonCategory"];

/** A page of a list route (every PageOut_* schema has this shape). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type User = Schemas["UserOut"];
export type LoginOut = Schemas["LoginOut"];
export type Ref = Schemas["ProductRef"] | Schemas["LineRef"];
export type CustomerOrderRef = Schemas["CustomerOrderRef"];
export type Stage = Schemas["StageOut"];
export type OrderSummary = Schemas["OrderSummary"];
export type Operation = Schemas["OperationOut"];
export type OrderDetail = Schemas["OrderDetail"];
export type Product = Schemas["ProductOut"];
export type EligibleLine = Schemas["EligibleLineOut"];
export type RoutingStep = Schemas["RoutingStepOut"];
export type Routing = Schemas["RoutingOut"];
export type Site = Schemas["SiteOut"];
export type Area = Schemas["AreaOut"];
export type Line = Schemas["LineOut"];
export type Machine = Schemas["MachineOut"];
export type Operator = Schemas["OperatorOut"];
export type ShiftBreak = Schemas["BreakIn"];
export type ShiftPattern = Schemas["ShiftPatternOut"];
export type Holiday = Schemas["HolidayOut"];
export type Calendar = Schemas["CalendarOut"];
export type ReasonCode = Schemas["ReasonCodeOut"];

// ---- errors ----

/** One field's problem in a problem+json body (`errors[]`). */
export type FieldError = Schemas["FieldProblem"];

/** An API failure as problem+json: a human `detail` plus per-field `errors`. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];

  constructor(status: number, title: string, detail: string, errors: FieldError[] = []) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }

  /** The message for one form field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

// ---- transport ----

let onUnauthorized: (() => void) | null = null;

/** Called when any request comes back 401 (session expired or signed out elsewhere). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

/** For transports other than fetch (the live WebSocket) that find the session gone. */
export function reportUnauthorized(): void {
  onUnauthorized?.();
}

function readCookie(name: string): string | null {
  const hit = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : null;
}

function csrfToken(): string | null {
  // A new tab has an empty sessionStorage but may still hold a session cookie.
  return sessionStorage.getItem(CSRF_KEY) ?? readCookie(CSRF_COOKIE);
}

type Query = Record<string, string | number | boolean | null | undefined>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ""}`;
}

async function toError(res: Response): Promise<ApiError> {
  let body: Partial<{ title: string; detail: string; errors: FieldError[] }> = {};
  try {
    body = await res.json();
  } catch {
    // not JSON (proxy error page, empty body)
  }
  const detail = typeof body.detail === "string" ? body.detail : res.statusText;
  return new ApiError(res.status, body.title ?? `HTTP ${res.status}`, detail, body.errors ?? []);
}

async function request<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method,
      headers,
      credentials: "same-origin",
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError(0, t("Network error"), t("Cannot reach the Linewise server. Check the connection and try again."));
  }
  if (!res.ok) {
    const err = await toError(res);
    if (res.status === 401 && path !== "/auth/login" && path !== "/auth/me") onUnauthorized?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Query): Promise<T> => request<T>("GET", path, { query });
export const post = <T>(path: string, body: unknown): Promise<T> => request<T>("POST", path, { body });
export type { Query };

/** Every item of a paged list (master data is small; pages of 500). */
export async function getAll<T>(path: string, query?: Query): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; ) {
    const page = await get<Page<T>>(path, { ...query, limit: 500, offset });
    items.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return items;
  }
}

// ---- auth ----

export async function login(username: string, password: string): Promise<User> {
  const out = await request<LoginOut>("POST", "/auth/login", { body: { username, password } });
  sessionStorage.setItem(CSRF_KEY, out.csrf_token);
  return out.user;
}

export async function logout(): Promise<void> {
  try {
    await request<void>("POST", "/auth/logout");
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}

/** The signed-in user, or null when there is no valid session. */
export async function currentUser(): Promise<User | null> {
  try {
    return await get<User>("/auth/me");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      sessionStorage.removeItem(CSRF_KEY);
      return null;
    }
    throw e;
  }
}

// ---- resources ----

export interface OrderQuery {
  limit: number;
  offset: number;
  sort?: string;
  q?: string;
  status?: string;
  late?: boolean;
}

export const listOrders = (q: OrderQuery) => get<Page<OrderSummary>>("/orders", { ...q });
export const getOrder = (id: number) => get<OrderDetail>(`/orders/${id}`);
export const listProducts = () => getAll<Product>("/products", { sort: "code" });
export const getProduct = (id: number) => get<Product>(`/products/${id}`);
export const getRouting = (productId: number) => get<Routing>(`/products/${productId}/routing`);
export const listSites = () => getAll<Site>("/sites", { sort: "code" });
export const listAreas = () => getAll<Area>("/areas", { sort: "code" });
export const listLines = () => getAll<Line>("/lines", { sort: "code" });
export const listMachines = () => getAll<Machine>("/machines", { sort: "position,code" });
export const listOperators = () => getAll<Operator>("/operators", { sort: "code" });
export const listCalendars = () => getAll<Calendar>("/calendars", { sort: "code" });
export const listReasonCodes = () => getAll<ReasonCode>("/reason-codes", { sort: "category,code" });
