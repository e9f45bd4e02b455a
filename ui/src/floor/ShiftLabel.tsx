import type { Shift } from "./model";

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const day = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric" });

/** "Shift B · 14:00–22:00", or the day when no shift is running; counts are since its start. */
export function ShiftLabel({ shift }: { shift: Shift }) {
  const start = new Date(shift.start);
  const end = new Date(shift.end);
  const span = `${time.format(start)}–${time.format(end)}`;
  return (
    <span className="shift-label" data-testid="shift-label" title="Counts are for this shift">
      {shift.code ? <>Shift <strong>{shift.code}</strong> · {span}</> : <>No shift running · {day.format(start)}</>}
    </span>
  );
}
