// A small typed client for the Linewise REST API (/api/v1).
//
// The session lives in an HttpOnly cookie; every non-GET request must carry the CSRF
// token returned by /auth/login in the X-CSRF-Token header. Errors are problem+json.

const BASE = "/api/v1";
const CSRF_KEY = "linewise.csrf";
const CSRF_COOKIE = "lw_csrf";

// ---- response types (mirror the OpenAPI schemas) ----

export type Role = "operator" | "supervisor" | "planner" | "manager" | "admin";
export type OrderStatus =
  | "planned"
  | "released"
  | "in_progress"
  | "on_hold"
  | "completed"
  | "cancelled";
export type OperationStatus = "pending" | "in_progress" | "on_hold" | "completed" | "cancelled";
export type LineType = "SMT" | "DIP" | "TEST" | "PACK" | "OTHER";
export type ReasonCategory = "downtime" | "scrap" | "rework";

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface User {
  id: number;
  username: string;
  full_name: string;
  role: Role;
  active: boolean;
  area_ids: number[];
  version: number;
}

export interface LoginOut {
  user: User;
  csrf_token: string;
}

export interface Ref {
  id: number;
  code: string;
  name: string;
}

export interface CustomerOrderRef {
  id: number;
  number: string;
  customer: string;
}

export interface Stage {
  seq: number;
  name: string;
  work_center_type: string;
  status: OperationStatus;
  progress: number;
}

export interface OrderSummary {
  id: number;
  number: string;
  customer_order: CustomerOrderRef | null;
  product: Ref;
  quantity: number;
  release_date: string | null;
  due_date: string;
  priority: number;
  status: OrderStatus;
  progress: number;
  current_stage: Stage | null;
  /** The published plan that places this order (null: not in it). */
  plan_id: number | null;
  planned_start: string | null;
  planned_finish: string | null;
  /** Live estimate of the finish: reserved, always null for now. */
  eta: string | null;
  /** The finish judged against the due date; see finish_basis. */
  finish: string | null;
  finish_basis: FinishBasis | null;
  /** finish − due date in seconds; negative: ahead of the due date. */
  late_by_s: number | null;
  late: boolean;
  completed_at: string | null;
  version: number;
}

/** actual: completed at; eta: live estimate; plan: published plan; now: not done, the plan (if any) already past. */
export type FinishBasis = "actual" | "eta" | "plan" | "now";

export interface Operation {
  id: number;
  seq: number;
  name: string;
  work_center_type: string;
  status: OperationStatus;
  quantity: number;
  good_qty: number;
  scrap_qty: number;
  rework_qty: number;
  progress: number;
  line: Ref | null;
  started_at: string | null;
  completed_at: string | null;
  planned_start: string | null;
  planned_finish: string | null;
  planned_line: Ref | null;
  version: number;
}

export interface OrderDetail extends OrderSummary {
  /** IANA time zone of the order's site: its times are shown there. */
  site_timezone: string | null;
  operations: Operation[];
}

export interface Product {
  id: number;
  code: string;
  name: string;
  family: string;
  version: number;
}

export interface EligibleLine {
  line_id: number;
  line_code: string;
  cycle_time_s: number;
}

export interface RoutingStep {
  id: number;
  seq: number;
  name: string;
  work_center_type: LineType;
  setup_time_s: number;
  setup_family: string;
  skill: string;
  splittable: boolean;
  min_wait_s: number;
  max_wait_s: number | null;
  eligible: EligibleLine[];
}

export interface Routing {
  product_id: number;
  version: number;
  steps: RoutingStep[];
}

export interface Site {
  id: number;
  code: string;
  name: string;
  timezone: string;
  version: number;
}

export interface Area {
  id: number;
  site_id: number;
  code: string;
  name: string;
  version: number;
}

export interface Line {
  id: number;
  area_id: number;
  code: string;
  name: string;
  type: LineType;
  version: number;
}

export interface Machine {
  id: number;
  line_id: number;
  code: string;
  name: string;
  kind: string;
  position: number;
  speed_factor: number;
  minor_stop_threshold_s: number;
  version: number;
}

export interface Operator {
  id: number;
  code: string;
  name: string;
  skills: string[];
  area_ids: number[];
  shift_code: string | null;
  active: boolean;
  version: number;
}

export interface ShiftBreak {
  start: string;
  minutes: number;
}

export interface ShiftPattern {
  id: number;
  code: string;
  name: string;
  start: string;
  end: string;
  weekdays: number[];
  breaks: ShiftBreak[];
}

export interface Holiday {
  id: number;
  day: string;
  name: string;
}

export interface Calendar {
  id: number;
  code: string;
  name: string;
  site_id: number;
  line_id: number | null;
  patterns: ShiftPattern[];
  holidays: Holiday[];
  version: number;
}

export interface ReasonCode {
  id: number;
  code: string;
  name: string;
  category: ReasonCategory;
  machine_class: string | null;
  parent_id: number | null;
  version: number;
}

// ---- errors ----

export interface FieldError {
  field: string;
  message: string;
}

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
    throw new ApiError(0, "Network error", "Cannot reach the Linewise server. Check the connection and try again.");
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
