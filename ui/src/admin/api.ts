// Types and calls of the administration routes (/users, /api-keys, /audit).
import { del, delWithBody, get, getAll, patch, post, type Page } from "../api";
import type { components } from "../api.gen";

// Response types are aliases of the schemas generated from the server (../api.gen.ts).
type Schemas = components["schemas"];

export type UserRecord = Schemas["UserOut"];
export type UserIn = Schemas["UserIn"];
export type UserUpdate = Schemas["UserUpdate"];
export type ApiKey = Schemas["ApiKeyOut"];
export type ApiKeyIn = Schemas["ApiKeyIn"];
export type ApiKeyCreated = Schemas["ApiKeyCreated"];
export type ApiKeyScope = Schemas["ApiKeyScope"];
export type AuditEntry = Schemas["AuditOut"];
export type AuditAction = Schemas["AuditAction"];
export type AuditVerdict = Schemas["VerifyOut"];

export const ROLES: Schemas["Role"][] = ["operator", "supervisor", "planner", "manager", "admin"];
/** Roles whose users see only their areas: they need at least one. */
export const AREA_SCOPED: Schemas["Role"][] = ["operator", "supervisor"];

export const listUsers = () => getAll<UserRecord>("/users", { sort: "username" });
export const createUser = (body: UserIn) => post<UserRecord>("/users", body);
/** A change of a user, checked against the version the form was opened with. */
export const updateUser = (id: number, body: UserUpdate) => patch<UserRecord>(`/users/${id}`, body);

/** Signs a user out on every device (an admin's own session stays); how many ended. */
export const endSessions = (id: number) =>
  delWithBody<{ ended: number }>(`/users/${id}/sessions`).then((r) => r.ended);

/** Reset a user's MFA (a lost phone); his sessions end too. */
export const resetMfa = (id: number) => delWithBody<UserRecord>(`/users/${id}/mfa`);

export const listApiKeys = () => getAll<ApiKey>("/api-keys", { sort: "name" });
export const createApiKey = (body: ApiKeyIn) => post<ApiKeyCreated>("/api-keys", body);
export const revokeApiKey = (id: number) => del(`/api-keys/${id}`);

export interface AuditQuery {
  limit: number;
  offset: number;
  actor?: string;
  entity?: string;
  action?: AuditAction | "";
  from?: string;
  to?: string;
}

export const listAudit = (q: AuditQuery) => get<Page<AuditEntry>>("/audit", { ...q });
export const auditEntities = () => get<Schemas["AuditEntitiesOut"]>("/audit/entities");
export const verifyAudit = () => get<AuditVerdict>("/audit/verify");

export type AreaRecord = Schemas["AreaOut"];
export const createArea = (body: Schemas["AreaIn"]) => post<AreaRecord>("/areas", body);
/** Renaming checks the version the row was shown with (someone else's change is a 409). */
export const renameArea = (a: AreaRecord, name: string) => patch<AreaRecord>(`/areas/${a.id}`, { name, version: a.version });
export const deleteArea = (id: number) => del(`/areas/${id}`);
