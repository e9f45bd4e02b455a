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

export type User = Schemas["MeOut"];
export type UserRecord = Schemas["UserOut"];
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
    if (res.status === 401 && path !== "/auth/login" && path !== "/auth/me" && !path.startsWith("/auth/mfa/")) onUnauthorized?.();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Query): Promise<T> => request<T>("GET", path, { query });
export const post = <T>(path: string, body: unknown): Promise<T> => request<T>("POST", path, { body });
export const put = <T>(path: string, body: unknown): Promise<T> => request<T>("PUT", path, { body });
export const patch = <T>(path: string, body: unknown): Promise<T> => request<T>("PATCH", path, { body });
export const del = (path: string): Promise<void> => request<void>("DELETE", path);
/** A DELETE whose answer has a body (e.g. how many sessions it ended). */
export const delWithBody = <T>(path: string): Promise<T> => request<T>("DELETE", path);
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

/** A password sign-in: a session, or the second factor still to come (``mfa``). */
export async function login(username: string, password: string): Promise<PasswordLogin> {
  const out = await request<PasswordLogin>("POST", "/auth/login", { body: { username, password } });
  if (out.csrf_token) sessionStorage.setItem(CSRF_KEY, out.csrf_token);
  return out;
}

// ---- identity: the second factor at sign-in, its enrolment, single sign-on ----
export type PasswordLogin = Schemas["PasswordLoginOut"];
export type MfaSetup = Schemas["MfaSetupOut"];
export type MfaEnabled = Schemas["MfaEnabledOut"];
export type AuthProviders = Schemas["AuthProvidersOut"];

export async function mfaVerify(mfaToken: string, code: string): Promise<User> {
  const out = await request<LoginOut>("POST", "/auth/mfa/verify", { body: { mfa_token: mfaToken, code } });
  sessionStorage.setItem(CSRF_KEY, out.csrf_token);
  return out.user;
}

export const mfaEnrol = (mfaToken: string) =>
  request<MfaSetup>("POST", "/auth/mfa/enrol", { body: { mfa_token: mfaToken } });

export async function mfaEnrolConfirm(mfaToken: string, code: string): Promise<MfaEnabled> {
  const out = await request<MfaEnabled>("POST", "/auth/mfa/enrol/confirm", { body: { mfa_token: mfaToken, code } });
  if (out.csrf_token) sessionStorage.setItem(CSRF_KEY, out.csrf_token);
  return out;
}

export const authProviders = () => request<AuthProviders>("GET", "/auth/providers");

export async function logout(): Promise<void> {
  try {
    await request<void>("POST", "/auth/logout");
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}

/** Sign out on every device (this one included); how many sessions ended. */
export async function logoutEverywhere(): Promise<number> {
  try {
    const out = await request<{ ended: number }>("POST", "/auth/logout-everywhere");
    return out.ended;
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
export const getOrderByNumber = (number: string) => get<OrderDetail>(`/orders/by-number/${encodeURIComponent(number)}`);
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

// ---- files (import and export) ----

/** A request whose body is a form or JSON and whose answer may be a file. */
async function send(method: string, path: string, query: Query | undefined, body: FormData | unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined && !(body instanceof FormData)) headers["Content-Type"] = "application/json";
  const token = csrfToken();
  if (method !== "GET" && token) headers["X-CSRF-Token"] = token;
  let res: Response;
  try {
    res = await fetch(url(path, query), {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, t("Network error"), t("Cannot reach the Linewise server. Check the connection and try again."));
  }
  if (!res.ok) {
    if (res.status === 401) onUnauthorized?.();
    throw await toError(res);
  }
  return res;
}

/** Upload a file as the form field "file"; the answer is JSON. */
export async function uploadFile<T>(path: string, query: Query, file: File): Promise<T> {
  const form = new FormData();
  form.append("file", file);
  return (await (await send("POST", path, query, form)).json()) as T;
}

/** A file the server writes (an export, a template), with the name it suggests. */
export async function fetchFile(method: "GET" | "POST", path: string, query: Query, body?: unknown): Promise<{ blob: Blob; filename: string }> {
  const res = await send(method, path, query, body);
  const disposition = res.headers.get("Content-Disposition") ?? "";
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "export";
  return { blob: await res.blob(), filename };
}

/** Hand a file to the browser as a download. */
export function saveFile({ blob, filename }: { blob: Blob; filename: string }): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: the browser reads the blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
