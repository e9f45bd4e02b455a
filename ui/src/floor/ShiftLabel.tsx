import type { Shift } from "./model";

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric" });

/** True when `a` is missing (an older server) or the same shift occurrence as `b`. */
export const sameShift = (a: Shift | undefined, b: Shift) =>
  a === undefined || (a.code === b.code && a.start === b.start && a.end === b.end);

/** "Shift B · 14:00–22:00", or the day when no shift is running; counts are since its start. */
export function ShiftLabel({ shift, testId = "shift-label" }: { shift: Shift; testId?: string }) {
  const start = new Date(shift.start);
  const end = new Date(shift.end);
  const span = `${time.format(start)}–${time.format(end)}`;
  return (
    <span className="shift-label" data-testid={testId} title="Counts are for this shift">
      {shift.code ? <>Shift <strong>{shift.code}</strong> · {span}</> : <>No shift running · {day.format(start)}</>}
    </span>
  );
}
