// <input type="datetime-local"> values as the site's wall clock (never the browser's zone).
import { siteZone } from "../site";
import { instantOf, wallClock } from "../zoned";

/** "2026-11-26T06:00" for an instant, on the site's clock. */
export function siteInput(iso: string | number): string {
  const ms = typeof iso === "number" ? iso : Date.parse(iso);
  return new Date(wallClock(siteZone(), ms)).toISOString().slice(0, 16);
}

/** A datetime-local value read on the site's clock, as an ISO instant for the API. */
export function siteIso(value: string): string {
  return new Date(instantOf(siteZone(), Date.parse(`${value}:00Z`))).toISOString();
}
