// The periods a manager asks about — a shift, today, yesterday, this or last week, a date
// range — as UTC windows computed in the site's time zone, with their labels.
//
// A period is written in the URL as a short key:
//   today | yesterday | this-week | last-week | shift:current | shift:previous
//   shift:<code>@<YYYY-MM-DD> (a chosen shift) | range:<YYYY-MM-DD>..<YYYY-MM-DD> (days, inclusive)
// Windows end no later than now (the API does the same), so hours still to come are not
// counted as planned time without data.
import { dateFormat } from "../format";
import { msg, t } from "../i18n";
import { localDate, localMidnight } from "../zoned";
import type { Shift, Window } from "./api";

const DAY = 86_400_000;

export type PeriodKind = "today" | "yesterday" | "this-week" | "last-week" | "shift" | "range";

export interface Period extends Window {
  label: string;
  /** the URL key ("yesterday", "shift:A@2026-12-05", …) */
  id: string;
  kind: PeriodKind;
  /** whole period is at most a day long: the trend goes per hour, else per day */
  short: boolean;
}

function isoDay(dateMs: number): string {
  return new Date(dateMs).toISOString().slice(0, 10);
}

function parseDay(day: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(day);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : null;
}

function isoWeek(dateMs: number): string {
  const d = new Date(dateMs);
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(dateMs + (3 - dow) * DAY);
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((thursday.getTime() - jan1) / (7 * DAY));
  return `${thursday.getUTCFullYear()} W${String(week).padStart(2, "0")}`;
}

const dayLabel = (dateMs: number) => dateFormat({ weekday: "short", month: "short", day: "numeric" }, "UTC").format(dateMs);
const clock = (iso: string) => dateFormat({ hour: "2-digit", minute: "2-digit" }).format(new Date(iso));

function windowFrom(fromMs: number, toMs: number, now: number): { from: string; to: string } {
  const to = Math.min(toMs, now);
  return { from: new Date(Math.min(fromMs, now - 1000)).toISOString(), to: new Date(Math.max(to, Math.min(fromMs, now - 1000) + 1000)).toISOString() };
}

/** "Shift A, Sat, Dec 5, 06:00–14:00" (site time). */
export function shiftTitle(s: Shift): string {
  const day = parseDay(s.day);
  return t("Shift {code}, {day}, {from}–{to}", { code: s.code, day: day === null ? s.day : dayLabel(day), from: clock(s.start), to: clock(s.end) });
}

/**
 * The period a URL key names, or null when it cannot be resolved (a shift not in the
 * list, a malformed range). `shifts` are the scope's recent shifts, newest first.
 */
export function resolvePeriod(id: string, tz: string, now: number, shifts: Shift[] | null): Period | null {
  const today = localDate(tz, now);
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  const mid = (d: number) => localMidnight(tz, d);
  const make = (kind: PeriodKind, fromMs: number, toMs: number, label: string): Period => ({
    id, kind, label, short: toMs - fromMs <= 25 * 3_600_000, ...windowFrom(fromMs, toMs, now),
  });
  if (id === "today") return make("today", mid(today), now, t("Today, {day}", { day: dayLabel(today) }));
  if (id === "yesterday") return make("yesterday", mid(today - DAY), mid(today), t("Yesterday, {day}", { day: dayLabel(today - DAY) }));
  if (id === "this-week") return { ...make("this-week", mid(monday), now, t("This week, {week}", { week: isoWeek(today) })), short: false };
  if (id === "last-week") return make("last-week", mid(monday - 7 * DAY), mid(monday), t("Last week, {week}", { week: isoWeek(monday - 7 * DAY) }));
  if (id.startsWith("shift:")) {
    if (!shifts) return null;
    const which = id.slice(6);
    const s = which === "current" ? shifts[0] : which === "previous" ? shifts[1] : shifts.find((x) => x.label === which);
    if (!s) return null;
    const title = shiftTitle(s);
    const label = which === "current" ? t("Current shift: {shift}", { shift: title })
      : which === "previous" ? t("Previous shift: {shift}", { shift: title }) : title;
    return make("shift", new Date(s.start).getTime(), new Date(s.end).getTime(), label);
  }
  if (id.startsWith("range:")) {
    const [a, b] = id.slice(6).split("..");
    const first = parseDay(a ?? "");
    const last = parseDay(b ?? "");
    if (first === null || last === null || last < first || last - first > 366 * DAY) return null;
    const label = first === last ? dayLabel(first) : t("{from} to {to}", { from: dayLabel(first), to: dayLabel(last) });
    return make("range", mid(first), mid(last + DAY), label);
  }
  return null;
}

/** The period just before: yesterday for today, last week for this week, the shift before, the same number of days before a range. */
export function previousOf(p: Period, tz: string, now: number, shifts: Shift[] | null): string | null {
  const today = localDate(tz, now);
  switch (p.kind) {
    case "today": return "yesterday";
    case "yesterday": return `range:${isoDay(today - 2 * DAY)}..${isoDay(today - 2 * DAY)}`;
    case "this-week": return "last-week";
    case "last-week": {
      const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
      return `range:${isoDay(monday - 14 * DAY)}..${isoDay(monday - 8 * DAY)}`;
    }
    case "shift": {
      if (!shifts) return null;
      const i = shifts.findIndex((s) => new Date(s.start).toISOString() === new Date(p.from).toISOString());
      return i >= 0 && i + 1 < shifts.length ? `shift:${shifts[i + 1].label}` : null;
    }
    case "range": {
      const [a, b] = p.id.slice(6).split("..").map((d) => parseDay(d)!);
      const days = (b - a) / DAY + 1;
      return `range:${isoDay(a - days * DAY)}..${isoDay(b - days * DAY)}`;
    }
  }
}

/** A date (YYYY-MM-DD) of the site, `daysBack` days before today. */
export function siteDay(tz: string, now: number, daysBack = 0): string {
  return isoDay(localDate(tz, now) - daysBack * DAY);
}

export const PRESETS: { id: string; label: string }[] = [
  { id: "shift:current", label: msg("Current shift") },
  { id: "shift:previous", label: msg("Previous shift") },
  { id: "today", label: msg("Today") },
  { id: "yesterday", label: msg("Yesterday") },
  { id: "this-week", label: msg("This week") },
  { id: "last-week", label: msg("Last week") },
];
