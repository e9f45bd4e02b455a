// Calendar arithmetic in an IANA time zone (the site's), independent of the browser's zone.
// A "wall" time is the zone's local date and clock time written as if it were UTC
// (Date.UTC(y, m, d, h, min)); instants are ordinary epoch milliseconds.

const partsCache = new Map<string, Intl.DateTimeFormat>();

/** The zone's wall-clock time of an instant. */
export function wallClock(tz: string, utcMs: number): number {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    partsCache.set(tz, f);
  }
  const parts = f.formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
}

/** The instant at which the zone's clocks show `wallMs` (the later one across a DST gap). */
export function instantOf(tz: string, wallMs: number): number {
  let t = wallMs - (wallClock(tz, wallMs) - wallMs);
  t = wallMs - (wallClock(tz, t) - t); // second pass settles daylight-saving days
  return t;
}

/** The zone's calendar date (a UTC midnight) of an instant. */
export function localDate(tz: string, utcMs: number): number {
  const wall = wallClock(tz, utcMs);
  return wall - (((wall % 86_400_000) + 86_400_000) % 86_400_000);
}

/** The instant of local midnight starting the date `dateMs` (a UTC midnight) in `tz`. */
export function localMidnight(tz: string, dateMs: number): number {
  return instantOf(tz, dateMs);
}

/** Weekday of an instant in `tz`: 0 = Sunday … 6 = Saturday (like Date.getDay). */
export function weekdayIn(tz: string, utcMs: number): number {
  return new Date(localDate(tz, utcMs)).getUTCDay();
}

/** Day of month of an instant in `tz`. */
export function dayOfMonthIn(tz: string, utcMs: number): number {
  return new Date(localDate(tz, utcMs)).getUTCDate();
}
