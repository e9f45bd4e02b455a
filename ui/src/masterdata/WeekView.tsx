// A calendar's week: seven day columns (Monday first, as the API numbers them) on an
// hours axis, shifts as blocks and breaks inside them. Shift times are the site's
// wall-clock times, so they are placed as written, whatever the browser's zone.
import { dateFormat } from "../format";
import { t } from "../i18n";

export interface WeekShift {
  code: string;
  start: string;
  end: string;
  weekdays: number[];
  breaks: { start: string; minutes: number }[];
}

const DAY_MIN = 24 * 60;

function minutes(hhmm: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

interface Block {
  day: number;
  from: number;
  to: number;
  code: string;
  label: string;
  kind: "shift" | "break";
}

/** Shift and break pieces per day; a shift past midnight continues on the next day. */
export function weekBlocks(shifts: WeekShift[]): Block[] {
  const out: Block[] = [];
  for (const s of shifts) {
    const start = minutes(s.start);
    const end = minutes(s.end);
    if (start === null || end === null) continue;
    const label = `${s.code} ${s.start}–${s.end}`;
    for (const day of s.weekdays) {
      const overnight = end <= start;
      out.push({ day, from: start, to: overnight ? DAY_MIN : end, code: s.code, label, kind: "shift" });
      if (overnight && end > 0) out.push({ day: (day + 1) % 7, from: 0, to: end, code: s.code, label, kind: "shift" });
      for (const b of s.breaks) {
        const bs = minutes(b.start);
        if (bs === null) continue;
        const nextDay = overnight && bs < start;
        const from = bs;
        const to = Math.min(bs + b.minutes, DAY_MIN);
        out.push({ day: nextDay ? (day + 1) % 7 : day, from, to, code: s.code,
          label: `${b.start} (${b.minutes} min)`, kind: "break" });
      }
    }
  }
  return out;
}

export function weekdayName(day: number): string {
  // 2024-01-01 was a Monday: API day n is 2024-01-(n+1)
  return dateFormat({ weekday: "short" }, "UTC").format(new Date(Date.UTC(2024, 0, 1 + day)));
}

export function WeekView({ shifts, timezone }: { shifts: WeekShift[]; timezone: string }) {
  const blocks = weekBlocks(shifts);
  const pct = (m: number) => `${(m / DAY_MIN) * 100}%`;
  return (
    <div data-testid="week-view">
      <p className="sub">{t("Shift times are wall-clock times in {zone}, the site's time zone.", { zone: timezone })}</p>
      <div className="week" role="img" aria-label={t("Week view of the shifts")}>
        <div className="week-head" />
        {[0, 1, 2, 3, 4, 5, 6].map((d) => <div key={d} className="week-head">{weekdayName(d)}</div>)}
        <div className="week-axis" aria-hidden="true">
          {[0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => (
            <span key={h} className="week-hour" style={{ top: pct(h * 60) }}>{`${String(h).padStart(2, "0")}:00`}</span>
          ))}
        </div>
        {[0, 1, 2, 3, 4, 5, 6].map((d) => (
          <div key={d} className="week-day" data-day={d}>
            {blocks.filter((b) => b.day === d).map((b, i) => (
              <div key={i} className={b.kind === "shift" ? "week-shift" : "week-break"} data-testid={`week-${b.kind}`}
                data-code={b.code} title={b.label} style={{ top: pct(b.from), height: pct(b.to - b.from) }}>
                {b.kind === "shift" && b.from !== 0 ? b.code : null}
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
