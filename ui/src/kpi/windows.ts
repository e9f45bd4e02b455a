// Windows of the KPI page's own (a trend bucket) and times in the site's zone.
// The periods a manager picks (shift, today, yesterday, weeks, ranges) are in periods.ts.
import { dateFormat } from "../format";
import { siteZone } from "../site";
import { localDate } from "../zoned";
import type { Window } from "./api";

/** A bucket or other window of its own (from the API's start/end). */
export function windowOf(start: string, end: string, now: number): Window {
  const clippedEnd = Math.min(new Date(end).getTime(), now);
  return { from: start, to: new Date(Math.max(clippedEnd, new Date(start).getTime() + 1000)).toISOString() };
}

const TIME: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit" };
const DATE_TIME: Intl.DateTimeFormatOptions = { weekday: "short", month: "short", day: "numeric", ...TIME };

export function fmtTime(iso: string): string {
  return dateFormat(TIME).format(new Date(iso));
}

/** "Wed, Nov 25, 10:32" — or "10:32" when it is today (both in the site's zone). */
export function fmtWhen(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  const tz = siteZone();
  return localDate(tz, d.getTime()) === localDate(tz, now) ? dateFormat(TIME).format(d) : dateFormat(DATE_TIME).format(d);
}
