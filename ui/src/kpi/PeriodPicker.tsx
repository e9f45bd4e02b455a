import { useEffect, useState } from "react";
import type { Shift } from "./api";
import { PRESETS, shiftTitle, siteDay } from "./periods";
import { t } from "../i18n";

/**
 * Which period the page shows (a preset, one of the recent shifts, or a date range) and
 * which one it is compared with. Both are URL keys (see periods.ts).
 */
export function PeriodPicker({ period, vs, vsLabel, shifts, tz, now, onChange }: {
  period: string;
  vs: string;
  /** the compared period's label, for a range named in the URL (not in the list) */
  vsLabel: string;
  shifts: Shift[];
  tz: string;
  now: number;
  onChange: (period: string, vs: string) => void;
}) {
  const isRange = period.startsWith("range:");
  const [first, last] = isRange ? period.slice(6).split("..") : [siteDay(tz, now, 6), siteDay(tz, now)];
  const [from, setFrom] = useState(first);
  const [to, setTo] = useState(last);
  useEffect(() => {
    setFrom(first);
    setTo(last);
  }, [first, last]);
  const known = PRESETS.some((p) => p.id === period) || shifts.some((s) => `shift:${s.label}` === period);
  const options = (
    <>
      {PRESETS.map((p) => <option key={p.id} value={p.id}>{t(p.label)}</option>)}
      <optgroup label={t("Recent shifts")}>
        {shifts.map((s) => <option key={s.label} value={`shift:${s.label}`}>{shiftTitle(s)}</option>)}
      </optgroup>
    </>
  );
  return (
    <div className="period-picker" data-testid="period-picker">
      <label className="field-inline">
        <span>{t("Period")}</span>
        <select value={isRange ? "range" : known ? period : "today"} data-testid="period-select"
          onChange={(e) => onChange(e.target.value === "range" ? `range:${from}..${to}` : e.target.value, "previous")}>
          {options}
          <option value="range">{t("Date range…")}</option>
        </select>
      </label>
      {isRange && (
        <form className="range-inputs" onSubmit={(e) => {
          e.preventDefault();
          if (from && to && from <= to) onChange(`range:${from}..${to}`, vs);
        }}>
          <label className="field-inline"><span>{t("From")}</span>
            <input type="date" value={from} max={siteDay(tz, now)} onChange={(e) => setFrom(e.target.value)} data-testid="range-from" /></label>
          <label className="field-inline"><span>{t("To (inclusive)")}</span>
            <input type="date" value={to} min={from} max={siteDay(tz, now)} onChange={(e) => setTo(e.target.value)} data-testid="range-to" /></label>
          <button type="submit" className="btn btn-small" disabled={!from || !to || from > to}
            title={from > to ? t("The first day must not be after the last") : undefined}>{t("Show")}</button>
        </form>
      )}
      <label className="field-inline">
        <span>{t("Compare with")}</span>
        <select value={vs} data-testid="compare-select" onChange={(e) => onChange(period, e.target.value)}>
          <option value="previous">{t("The period before")}</option>
          {options}
          {vs.startsWith("range:") && <option value={vs}>{vsLabel}</option>}
        </select>
      </label>
    </div>
  );
}
