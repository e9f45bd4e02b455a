// Time ↔ pixel arithmetic and tick generation of the Gantt, in the site's time zone
// (a planner's browser elsewhere must still see the site's days and shifts).

import { dateFormat } from "../format";
import { t } from "../i18n";
import { siteZone } from "../site";
import { dayOfMonthIn, instantOf, localDate, localMidnight, wallClock, weekdayIn } from "../zoned";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export type ZoomPreset = "hours" | "day" | "week";
/** Pixels per hour of each preset; ctrl-wheel and pinch zoom continuously in between. */
export const ZOOM_PRESETS: Record<ZoomPreset, number> = { hours: 64, day: 10, week: 2 };
export const MIN_PX_PER_HOUR = 0.8;
export const MAX_PX_PER_HOUR = 240;

export const clampZoom = (px: number) => Math.min(MAX_PX_PER_HOUR, Math.max(MIN_PX_PER_HOUR, px));

export function presetOf(pxPerHour: number): ZoomPreset | null {
  for (const [k, v] of Object.entries(ZOOM_PRESETS)) if (Math.abs(v - pxPerHour) < 1e-6) return k as ZoomPreset;
  return null;
}

/** Local midnight (in the site's zone) of the day containing `ms`. */
export function startOfDay(ms: number): number {
  const tz = siteZone();
  return localMidnight(tz, localDate(tz, ms));
}

/** The same local clock time `n` days later (days are 23 or 25 h across DST changes). */
export function addDays(ms: number, n: number): number {
  const tz = siteZone();
  return instantOf(tz, wallClock(tz, ms) + n * DAY);
}

/** The instant `h` local hours after the local midnight `day`. */
function atHour(day: number, h: number): number {
  const tz = siteZone();
  return instantOf(tz, localDate(tz, day) + h * HOUR);
}

const STEPS_H = [1, 2, 3, 6, 12, 24, 48, 168];

/** The minor tick step (hours) that keeps ticks at least `minPx` apart. */
export function minorStepHours(pxPerHour: number, minPx = 46): number {
  return STEPS_H.find((h) => h * pxPerHour >= minPx) ?? 168;
}

export interface Tick {
  t: number;
  label: string;
  major?: boolean;
}

const fmtDayLong = { format: (t: number) => dateFormat({ weekday: "short", day: "numeric", month: "short" }).format(t) };
const fmtDayShort = { format: (t: number) => dateFormat({ day: "numeric", month: "short" }).format(t) };
const fmtHour = { format: (t: number) => dateFormat({ hour: "2-digit", minute: "2-digit" }).format(t) };
const fmtWeekday = { format: (t: number) => dateFormat({ weekday: "narrow" }).format(t) };

/** Upper row: days (or weeks when days get narrow) between from and to. */
export function majorTicks(
  from: number, to: number, pxPerHour: number, width?: (label: string) => number,
): Tick[] {
  const out: Tick[] = [];
  const dayPx = 24 * pxPerHour;
  if (dayPx >= 64) {
    for (let t = startOfDay(from); t < to; t = addDays(t, 1)) {
      out.push({ t, label: width ? dayLabel(t, dayPx, width) : fmtDayLong.format(t), major: true });
    }
    return out;
  }
  // weeks from Monday
  let at = startOfDay(from);
  const dow = (weekdayIn(siteZone(), at) + 6) % 7;
  at = addDays(at, -dow);
  for (; at < to; at = addDays(at, 7)) out.push({ t: at, label: t("Week of {day}", { day: fmtDayShort.format(at) }), major: true });
  return out;
}

/** Lower row: hours, or days when hours get narrow. */
export function minorTicks(from: number, to: number, pxPerHour: number): Tick[] {
  const step = minorStepHours(pxPerHour);
  const out: Tick[] = [];
  if (step < 24) {
    for (let day = startOfDay(from); day < to; day = addDays(day, 1)) {
      for (let h = 0; h < 24; h += step) {
        const t = atHour(day, h);
        if (t >= from - step * HOUR && t < to) out.push({ t, label: fmtHour.format(t), major: h === 0 });
      }
    }
    return out;
  }
  const days = step / 24;
  for (let t = startOfDay(from); t < to; t = addDays(t, days)) {
    const dom = dayOfMonthIn(siteZone(), t);
    out.push({ t, label: days === 1 ? `${fmtWeekday.format(t)} ${dom}` : fmtDayShort.format(t), major: weekdayIn(siteZone(), t) === 1 });
  }
  return out;
}

/** Saturdays and Sundays between from and to, as [start, end) spans. */
export function weekends(from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = startOfDay(from); t < to; t = addDays(t, 1)) {
    const dow = weekdayIn(siteZone(), t);
    if (dow === 0 || dow === 6) out.push([t, addDays(t, 1)]);
  }
  return out;
}

// --- labels that never overprint -------------------------------------------------------

let measureCtx: CanvasRenderingContext2D | null = null;

/** The width in pixels of `text` in `font` (a CSS font shorthand), measured on a canvas. */
export function textWidth(text: string, font: string): number {
  if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
  if (!measureCtx) return text.length * 8; // no canvas (tests without layout): a generous guess
  measureCtx.font = font;
  return measureCtx.measureText(text).width;
}

/**
 * Thin a row of header labels so that none overprints the next: a label is kept only when
 * it starts after the previous kept one ends (its measured width plus padding and a gap),
 * and outside the reserved spans (the "Now" flag). Dropped ticks keep their grid line but
 * lose their text. `left(t)` is the label's left edge in pixels.
 */
export function fitLabels(
  ticks: Tick[], left: (t: Tick) => number, width: (label: string) => number,
  reserved: [number, number][] = [], gap = 6,
): Tick[] {
  let edge = -Infinity;
  return ticks.map((tk) => {
    if (!tk.label) return tk;
    const a = left(tk);
    const b = a + width(tk.label);
    const blocked = a < edge + gap || reserved.some(([r0, r1]) => a < r1 + gap && b + gap > r0);
    if (blocked) return { ...tk, label: "" };
    edge = b;
    return tk;
  });
}

/** The day label that fits `dayPx`: "Sun, 6 Dec", else "6 Dec", else none (thinned out). */
export function dayLabel(t: number, dayPx: number, width: (label: string) => number): string {
  const long = fmtDayLong.format(t);
  if (width(long) <= dayPx - 4) return long;
  return fmtDayShort.format(t);
}
