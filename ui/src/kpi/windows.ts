// "Today" and "this week" in the site's time zone, ending now.
//
// The API's day= and week= windows run to local midnight, so hours still to come would be
// booked as planned time without data ("unknown") and pull every figure down. The page
// asks for from = local midnight (or Monday) and to = now instead.
import { dateFormat } from "../format";
import { t } from "../i18n";
import { siteZone } from "../site";
import { localDate, localMidnight } from "../zoned";
import type { Window } from "./api";

export type RangeKey = "today" | "week";

export interface NamedWindow extends Window {
  key: RangeKey;
  label: string;
}

function isoWeek(dateMs: number): string {
  const d = new Date(dateMs);
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(dateMs + (3 - dow) * 86_400_000);
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}


export function windowsAt(tz: string, now: number): Record<RangeKey, NamedWindow> {
  const today = localDate(tz, now);
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * 86_400_000;
  const to = new Date(now).toISOString();
  const from = (ms: number) => new Date(Math.min(localMidnight(tz, ms), now - 1000)).toISOString();
  return {
    today: { key: "today", from: from(today), to, label: t("Today, {day}", { day: dateFormat({ weekday: "short", month: "short", day: "numeric" }, "UTC").format(today) }) },
    week: { key: "week", from: from(monday), to, label: t("This week, {week}", { week: isoWeek(today).replace("-", " ") }) },
  };
}

/** A bucket or other window of its own (from the API's start/end). */
export function windowOf(start: string, end: string, now: number): Window {
  const clippedEnd = Math.min(new Date(end).getTime(), now);
  return { from: start, to: new Date(Math.max(clippedEnd, new Date(start).getTime() + 1000)).toISOString() };
}

const TIME: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
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
