// Time ↔ pixel arithmetic and tick generation of the Gantt (browser-local time).

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

export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function addDays(ms: number, n: number): number {
  const d = new Date(ms);
  d.setDate(d.getDate() + n);
  return d.getTime();
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

const fmtDayLong = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const fmtDayShort = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const fmtHour = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const fmtWeekday = new Intl.DateTimeFormat(undefined, { weekday: "narrow" });

/** Upper row: days (or weeks when days get narrow) between from and to. */
export function majorTicks(from: number, to: number, pxPerHour: number): Tick[] {
  const out: Tick[] = [];
  const dayPx = 24 * pxPerHour;
  if (dayPx >= 64) {
    for (let t = startOfDay(from); t < to; t = addDays(t, 1)) out.push({ t, label: fmtDayLong.format(t), major: true });
    return out;
  }
  // weeks from Monday
  let t = startOfDay(from);
  const dow = (new Date(t).getDay() + 6) % 7;
  t = addDays(t, -dow);
  for (; t < to; t = addDays(t, 7)) out.push({ t, label: `Week of ${fmtDayShort.format(t)}`, major: true });
  return out;
}

/** Lower row: hours, or days when hours get narrow. */
export function minorTicks(from: number, to: number, pxPerHour: number): Tick[] {
  const step = minorStepHours(pxPerHour);
  const out: Tick[] = [];
  if (step < 24) {
    for (let day = startOfDay(from); day < to; day = addDays(day, 1)) {
      for (let h = 0; h < 24; h += step) {
        const d = new Date(day);
        d.setHours(h);
        const t = d.getTime();
        if (t >= from - step * HOUR && t < to) out.push({ t, label: fmtHour.format(t), major: h === 0 });
      }
    }
    return out;
  }
  const days = step / 24;
  for (let t = startOfDay(from); t < to; t = addDays(t, days)) {
    const d = new Date(t);
    out.push({ t, label: days === 1 ? `${fmtWeekday.format(d)} ${d.getDate()}` : fmtDayShort.format(d), major: d.getDay() === 1 });
  }
  return out;
}

/** Saturdays and Sundays between from and to, as [start, end) spans. */
export function weekends(from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = startOfDay(from); t < to; t = addDays(t, 1)) {
    const dow = new Date(t).getDay();
    if (dow === 0 || dow === 6) out.push([t, addDays(t, 1)]);
  }
  return out;
}
