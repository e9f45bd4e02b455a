// The terminal's requests that do not go through the outbox.
import { getAll, type ReasonCode } from "../api";

export function csrfFromCookie(): string {
  const hit = document.cookie.split("; ").find((c) => c.startsWith("lw_csrf="));
  return hit ? decodeURIComponent(hit.slice("lw_csrf=".length)) : "";
}

/** POST /auth/badge; the raw response, so the caller can tell 401 from 429. */
export function badgeSignIn(badge: string, pin: string): Promise<Response> {
  return fetch("/api/v1/auth/badge", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ badge, pin }),
  });
}

/** End the session; offline it simply fails (the next sign-in replaces the cookie). */
export async function signOutQuietly(): Promise<void> {
  try {
    await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrfFromCookie() } });
  } catch {
    // offline
  }
}

export const listReasons = () => cached("reasons", () => getAll<ReasonCode>("/reason-codes", { sort: "category,code" }));

const CACHE_PREFIX = "linewise.terminal.cache.";

/** Read through the network, keeping the last answer on the device: a terminal that starts
 * without network shows what it last knew (its outbox sends the taps later). */
export async function cached<T>(name: string, fetcher: () => Promise<T>): Promise<T> {
  try {
    const value = await fetcher();
    localStorage.setItem(CACHE_PREFIX + name, JSON.stringify(value));
    return value;
  } catch (e) {
    const raw = localStorage.getItem(CACHE_PREFIX + name);
    if (raw === null) throw e;
    return JSON.parse(raw) as T;
  }
}

export function lastKnown<T>(name: string): T | null {
  const raw = localStorage.getItem(CACHE_PREFIX + name);
  return raw === null ? null : (JSON.parse(raw) as T);
}

export function forget(name: string): void {
  localStorage.removeItem(CACHE_PREFIX + name);
}
