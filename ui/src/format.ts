// Display helpers. Timestamps arrive as UTC ISO strings and are shown in the browser's zone.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const number = new Intl.NumberFormat();
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

const dateTimeThisYear = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});

export function fmtDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

const zoned = new Map<string, Intl.DateTimeFormat>();

/** Like fmtDateTime, in a given IANA time zone (a site's) instead of the browser's. */
export function fmtDateTimeIn(iso: string | null | undefined, timeZone: string | null | undefined): string {
  if (!iso) return "—";
  if (!timeZone) return fmtDateTime(iso);
  let f = zoned.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone });
    zoned.set(timeZone, f);
  }
  return f.format(new Date(iso));
}

/** Like fmtDateTime, without the year when it is the current one (dense tables). */
export function fmtDateTimeShort(iso: string): string {
  const d = new Date(iso);
  return d.getFullYear() === new Date().getFullYear() ? dateTimeThisYear.format(d) : dateTime.format(d);
}

/** A calendar day ("2030-01-10") without shifting it through a time zone. */
export function fmtDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return dateOnly.format(new Date(y, m - 1, d));
}

export function fmtNumber(n: number): string {
  return number.format(n);
}

export function fmtPercent(fraction: number): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

/** "in 3 days", "2 hours ago": how far a timestamp is from now. */
export function fmtRelative(iso: string, now: number = Date.now()): string {
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
  if (seconds < 60) return `${+seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${+(seconds / 60).toFixed(1)} min`;
  return `${+(seconds / 3600).toFixed(1)} h`;
}

/** A span that can run to days ("45 min", "5.5 h", "3.2 days"): lateness, slack. */
export function fmtSpan(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min`;
  if (s < 48 * 3600) return `${+(s / 3600).toFixed(1)} h`;
  return `${+(s / 86_400).toFixed(1)} days`;
}

const STATUS_LABELS: Record<string, string> = {
  planned: "Planned",
  released: "Released",
  in_progress: "In progress",
  on_hold: "On hold",
  completed: "Completed",
  cancelled: "Cancelled",
  pending: "Pending",
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Weekday numbers as the API stores them (0 = Monday … 6 = Sunday) as short names. */
export function fmtWeekdays(days: number[]): string {
  const sorted = [...days].sort((a, b) => a - b);
  if (sorted.join() === "0,1,2,3,4") return "Mon–Fri";
  if (sorted.join() === "0,1,2,3,4,5") return "Mon–Sat";
  if (sorted.length === 7) return "Every day";
  return sorted.map((d) => WEEKDAYS[d] ?? String(d)).join(", ");
}
