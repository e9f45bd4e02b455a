import { dateFormat, fmtTime } from "../format";
import type { Shift } from "./model";
import { t } from "../i18n";


/** True when `a` is missing (an older server) or the same shift occurrence as `b`. */
export const sameShift = (a: Shift | undefined, b: Shift) =>
  a === undefined || (a.code === b.code && a.start === b.start && a.end === b.end);

/** "Shift B · 14:00–22:00", or the day when no shift is running; counts are since its start. */
export function ShiftLabel({ shift, testId = "shift-label" }: { shift: Shift; testId?: string }) {
  const start = new Date(shift.start);
    const span = `${fmtTime(shift.start)}–${fmtTime(shift.end)}`;
  const day = dateFormat({ weekday: "short", month: "short", day: "numeric" }).format(start);
  return (
    <span className="shift-label" data-testid={testId} title={t("Counts are for this shift")}>
      {shift.code ? <>{t("Shift")} <strong>{shift.code}</strong> · {span}</> : <>{t("No shift running")} · {day}</>}
    </span>
  );
}
