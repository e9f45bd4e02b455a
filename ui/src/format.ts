// Display helpers. Timestamps arrive as UTC ISO strings and are shown in the SITE's time
// zone (site.ts), in the chosen locale's format (i18n). Formatters are cached per locale
// and zone; a locale switch re-mounts the app, so callers may format at render time.
import { locale, msg, t } from "./i18n";
import { siteZone } from "./site";

const cache = new Map<string, Intl.DateTimeFormat>();

/** The one clock of every locale: 24 hours ("17:00"), as a plant reads its times. The
 * date's order and month names follow the locale ("Dec 9, 2026, 17:00" / "09.12.2026, 17:00").
 * Every time in the UI is formatted through dateFormat, which sets it; no caller chooses. */
export const HOUR_CYCLE = "h23";

/** An Intl.DateTimeFormat for the current locale in `timeZone` (the site's by default).
 * Any format that shows a time of day reads the 24-hour clock (HOUR_CYCLE). */
export function dateFormat(options: Intl.DateTimeFormatOptions, timeZone: string = siteZone()): Intl.DateTimeFormat {
  const key = `${locale()}|${timeZone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    const clock = options.hour !== undefined || options.timeStyle !== undefined ? { hourCycle: HOUR_CYCLE } as const : {};
    f = new Intl.DateTimeFormat(locale(), { ...options, ...clock, timeZone });
    cache.set(key, f);
  }
  return f;
}

const DATE_TIME: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };

export function fmtDateTime(iso: string | null | undefined): string {
  return iso ? dateFormat(DATE_TIME).format(new Date(iso)) : "—";
}

/** Like fmtDateTime, in a given IANA time zone (an order's site) instead of the default site's. */
export function fmtDateTimeIn(iso: string | null | undefined, timeZone: string | null | undefined): string {
  if (!iso) return "—";
  return dateFormat(DATE_TIME, timeZone || siteZone()).format(new Date(iso));
}

/** Like fmtDateTime, without the year when it is the current one (dense tables). */
export function fmtDateTimeShort(iso: string): string {
  const d = new Date(iso);
  const year = (x: Date) => dateFormat({ year: "numeric" }).format(x);
  if (year(d) !== year(new Date())) return fmtDateTime(iso);
  return dateFormat({ month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(d);
}

/** Clock time only ("14:05") in the site's zone. */
export function fmtTime(ms: number | string): string {
  return dateFormat({ hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
}

/** A calendar day ("2030-01-10") without shifting it through a time zone. */
export function fmtDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return dateFormat({ dateStyle: "medium" }, "UTC").format(new Date(Date.UTC(y, m - 1, d)));
}

/** "Times in Europe/Berlin": the label every page with times carries. */
export function zoneLabel(timeZone: string = siteZone()): string {
  return t("Times in {zone}", { zone: timeZone });
}

export function fmtNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A number with at most `digits` decimals in the locale ("5.5" / "5,5"). */
export function fmtDecimal(n: number, digits = 1): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);
}

export function fmtPercent(fraction: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(
    Math.floor(Math.max(0, Math.min(1, fraction)) * 100 + 1e-6) / 100,
  );
}

/** "in 3 days", "2 hours ago": how far a timestamp is from now. */
export function fmtRelative(iso: string, now: number = Date.now()): string {
  const relative = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["year", 365 * 86_400_000],
    ["month", 30 * 86_400_000],
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
  ];
  for (const [unit, ms] of units) {
    // switch to a coarser unit only once it reads naturally ("in 45 days", not "in 1 month")
    const threshold = unit === "year" ? ms : unit === "month" ? 60 * 86_400_000 : ms;
    if (abs >= threshold || unit === "minute") return relative.format(Math.round(diff / ms), unit);
  }
  return "";
}

export function fmtDuration(seconds: number): string {
  if (seconds < 60) return `${fmtDecimal(seconds)} s`;
  if (seconds < 3600) return `${fmtDecimal(seconds / 60)} min`;
  return `${fmtDecimal(seconds / 3600)} h`;
}

/** A span that can run to days ("45 min", "5.5 h", "3.2 days"): lateness, slack. */
export function fmtSpan(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min`;
  if (s < 48 * 3600) return `${fmtDecimal(s / 3600)} h`;
  return t("{days} days", { days: fmtDecimal(s / 86_400) });
}

const STATUS_LABELS: Record<string, string> = {
  planned: msg("Planned"),
  released: msg("Released"),
  in_progress: msg("In progress"),
  on_hold: msg("On hold"),
  completed: msg("Completed"),
  cancelled: msg("Cancelled"),
  pending: msg("Pending"),
};

export function statusLabel(status: string): string {
  const label = STATUS_LABELS[status];
  return label ? t(label) : status;
}

/** Weekday numbers as the API stores them (0 = Monday … 6 = Sunday) as short names. */
export function fmtWeekdays(days: number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  // 2024-01-01 was a Monday: day n is 2024-01-(n+1)
  const name = (d: number) => dateFormat({ weekday: "short" }, "UTC").format(new Date(Date.UTC(2024, 0, 1 + d)));
  if (sorted.join() === "0,1,2,3,4") return `${name(0)}–${name(4)}`;
  if (sorted.join() === "0,1,2,3,4,5") return `${name(0)}–${name(5)}`;
  if (sorted.length === 7) return t("Every day");
  return sorted.map((d) => (d >= 0 && d <= 6 ? name(d) : String(d))).join(", ");
}
