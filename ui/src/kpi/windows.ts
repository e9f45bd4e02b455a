// "Today" and "this week" in the site's time zone, ending now.
//
// The API's day= and week= windows run to local midnight, so hours still to come would be
// booked as planned time without data ("unknown") and pull every figure down. The page
// asks for from = local midnight (or Monday) and to = now instead.
import type { Window } from "./api";

export type RangeKey = "today" | "week";

export interface NamedWindow extends Window {
  key: RangeKey;
  label: string;
}

function wallClock(tz: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
}

/** The local calendar date (as a UTC midnight timestamp) of an instant in `tz`. */
function localDate(tz: string, utcMs: number): number {
  const wall = wallClock(tz, utcMs);
  return wall - (wall % 86_400_000);
}

/** The UTC instant of local midnight starting the date `dateMs` (a UTC midnight) in `tz`. */
function localMidnight(tz: string, dateMs: number): number {
  let t = dateMs - (wallClock(tz, dateMs) - dateMs);
  t = dateMs - (wallClock(tz, t) - t); // second pass settles daylight-saving days
  return t;
}

function isoWeek(dateMs: number): string {
  const d = new Date(dateMs);
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(dateMs + (3 - dow) * 86_400_000);
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - jan1) / (7 * 86_400_000));
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

const dayFmt = new Intl.DateTimeFormat("en-US", { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" });

export function windowsAt(tz: string, now: number): Record<RangeKey, NamedWindow> {
  const today = localDate(tz, now);
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * 86_400_000;
  const to = new Date(now).toISOString();
  const from = (ms: number) => new Date(Math.min(localMidnight(tz, ms), now - 1000)).toISOString();
  return {
    today: { key: "today", from: from(today), to, label: `Today, ${dayFmt.format(today)}` },
    week: { key: "week", from: from(monday), to, label: `This week, ${isoWeek(today).replace("-", " ")}` },
  };
}

/** A bucket or other window of its own (from the API's start/end). */
export function windowOf(start: string, end: string, now: number): Window {
  const clippedEnd = Math.min(new Date(end).getTime(), now);
  return { from: start, to: new Date(Math.max(clippedEnd, new Date(start).getTime() + 1000)).toISOString() };
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

export function fmtTime(iso: string): string {
  return timeFmt.format(new Date(iso));
}

/** "Wed, Nov 25, 10:32" — or "10:32" when it is today. */
export function fmtWhen(iso: string, now: number = Date.now()): string {
  const d = new Date(iso);
  return d.toDateString() === new Date(now).toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}
