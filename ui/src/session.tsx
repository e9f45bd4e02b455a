// Who is signed in and what they may do, for every page: buttons are shown only to a role
// that may use them (or disabled with a reason in words), and figures of an area-scoped
// user say which areas they cover. The permissions come from GET /auth/me, so the server's
// policy is the only one; the UI never keeps its own copy of it.
import { createContext, useContext, type ReactNode } from "react";
import type { User } from "./api";
import { msg, t } from "./i18n";

const SessionContext = createContext<User | null>(null);

export function SessionProvider({ user, children }: { user: User; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

/** The signed-in user (pages render only inside the signed-in frame). */
export function useUser(): User {
  const user = useContext(SessionContext);
  if (!user) throw new Error("useUser outside the signed-in frame");
  return user;
}

/** May the signed-in user do this? (a permission name of the server's policy, e.g. "orders:write") */
export function useCan(permission: string): boolean {
  const user = useContext(SessionContext);
  return user?.permissions.includes(permission) ?? false;
}

const ROLE_NAMES: Record<string, string> = {
  admin: msg("Administrator"),
  planner: msg("Planner"),
  supervisor: msg("Supervisor"),
  operator: msg("Operator"),
  manager: msg("Manager"),
};

export function roleName(role: string): string {
  return ROLE_NAMES[role] ? t(ROLE_NAMES[role]) : role;
}

/** Null when the user may do this, else the reason in words, for a disabled button's title. */
export function useDeniedReason(permission: string): string | null {
  const user = useContext(SessionContext);
  if (user?.permissions.includes(permission)) return null;
  return t("Not available to your role ({role}).", { role: roleName(user?.role ?? "") });
}

/** The reason in words for a refusal the server gave (a 403), instead of its raw text. */
export function useRoleRefusal(): string {
  const user = useContext(SessionContext);
  return user ? t("Not available to your role ({role}).", { role: roleName(user.role) }) : t("Not available to your role.");
}

/** "your areas (SMT, DIP)" for an area-scoped user, null for a user who sees the whole site. */
export function useScopeLabel(): string | null {
  const user = useContext(SessionContext);
  if (!user || (user.role !== "operator" && user.role !== "supervisor")) return null;
  const names = user.areas.map((a) => a.name).join(", ");
  return names ? t("your areas ({names})", { names }) : t("no areas assigned");
}
