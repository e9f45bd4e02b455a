// A calendar edited as a whole: its scope (a site, or one line of it), its shift patterns
// with their breaks, and its holidays; the week view shows the draft as it is typed.
import { useState, type FormEvent } from "react";
import type { Area, Calendar, Line, Site } from "../api";
import { ConflictDiff, type DiffRow } from "../components/ConflictDiff";
import { fmtWeekdays } from "../format";
import { t } from "../i18n";
import { resource, type Values } from "./api";
import { FormError, fieldError } from "./FormError";
import { useGuardedSave } from "./useGuardedSave";
import { WeekView, weekdayName, type WeekShift } from "./WeekView";

export const calendarApi = resource<Calendar>("/calendars");

interface ShiftDraft extends WeekShift {
  key: number;
  name: string;
}

interface Draft {
  code: string;
  name: string;
  site_id: string;
  line_id: string;
  patterns: ShiftDraft[];
  holidays: { key: number; day: string; name: string }[];
}

let nextKey = 1;

function toDraft(c: Calendar | undefined, siteId: number | undefined): Draft {
  return {
    code: c?.code ?? "",
    name: c?.name ?? "",
    site_id: String(c?.site_id ?? siteId ?? ""),
    line_id: c?.line_id ? String(c.line_id) : "",
    patterns: (c?.patterns ?? []).map((p) => ({ key: nextKey++, code: p.code, name: p.name, start: p.start, end: p.end,
      weekdays: [...p.weekdays], breaks: p.breaks.map((b) => ({ ...b })) })),
    holidays: (c?.holidays ?? []).map((h) => ({ key: nextKey++, day: h.day, name: h.name })),
  };
}

function toBody(d: Draft): Values {
  return {
    code: d.code.trim(),
    name: d.name.trim(),
    site_id: d.site_id === "" ? null : Number(d.site_id),
    line_id: d.line_id === "" ? null : Number(d.line_id),
    patterns: d.patterns.map((p) => ({ code: p.code.trim(), name: p.name.trim(), start: p.start, end: p.end, weekdays: p.weekdays,
      breaks: p.breaks.map((b) => ({ start: b.start, minutes: Number(b.minutes) })) })),
    holidays: d.holidays.map((h) => ({ day: h.day, name: h.name.trim() })),
  };
}

function shiftSummary(p: WeekShift): string {
  const breaks = p.breaks.map((b) => `${b.start} (${b.minutes} min)`).join(", ");
  return `${p.start}–${p.end} ${fmtWeekdays(p.weekdays)}${breaks ? ` · ${t("breaks {list}", { list: breaks })}` : ""}`;
}

export function CalendarEditor({ calendar, sites, areas, lines, onDone, onCancel }: {
  calendar?: Calendar;
  sites: Site[];
  areas: Area[];
  lines: Line[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [d, setD] = useState<Draft>(() => toDraft(calendar, sites[0]?.id));
  const guard = useGuardedSave<Calendar>(calendar ? () => calendarApi.fetch(calendar.id) : null);
  const set = (change: Partial<Draft>) => setD((x) => ({ ...x, ...change }));
  const setShift = (key: number, change: Partial<ShiftDraft>) =>
    setD((x) => ({ ...x, patterns: x.patterns.map((p) => (p.key === key ? { ...p, ...change } : p)) }));
  const site = sites.find((s) => String(s.id) === d.site_id);
  const siteLines = lines.filter((l) => areas.some((a) => a.id === l.area_id && String(a.site_id) === d.site_id));
  const save = (version: number | null) =>
    guard.run(() => (calendar && version !== null ? calendarApi.update(calendar.id, toBody(d), version) : calendarApi.create(toBody(d))), onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(calendar?.version ?? null);
  };
  const err = (field: string) => fieldError(guard.error, field);
  const msgOf = (field: string) => err(field) && <span className="field-message">{err(field)}</span>;
  const shownFields = ["code", "name", "site_id", "line_id",
    ...d.patterns.flatMap((p, i) => [`patterns[${i}].code`, `patterns[${i}].start`, `patterns[${i}].end`, `patterns[${i}].weekdays`,
      ...p.breaks.flatMap((_, j) => [`patterns[${i}].breaks[${j}].start`, `patterns[${i}].breaks[${j}].minutes`])]),
    ...d.holidays.map((_, k) => `holidays[${k}].day`)];

  const theirs = guard.theirs;
  const diffRows = (): DiffRow[] => {
    if (!theirs) return [];
    const mine = d;
    const other = toDraft(theirs, undefined);
    const siteLabel = (id: string) => sites.find((s) => String(s.id) === id)?.name ?? id;
    const lineLabel = (id: string) => (id === "" ? t("whole site") : lines.find((l) => String(l.id) === id)?.code ?? id);
    const rows: DiffRow[] = [
      { label: t("Code"), mine: mine.code, theirs: other.code },
      { label: t("Name"), mine: mine.name, theirs: other.name },
      { label: t("Site"), mine: siteLabel(mine.site_id), theirs: siteLabel(other.site_id) },
      { label: t("Line"), mine: lineLabel(mine.line_id), theirs: lineLabel(other.line_id) },
    ];
    const codes = [...new Set([...mine.patterns.map((p) => p.code), ...other.patterns.map((p) => p.code)])];
    for (const code of codes) {
      const m = mine.patterns.find((p) => p.code === code);
      const o = other.patterns.find((p) => p.code === code);
      rows.push({ label: t("Shift {code}", { code }), mine: m ? shiftSummary(m) : "", theirs: o ? shiftSummary(o) : "" });
    }
    const days = (x: Draft) => x.holidays.map((h) => h.day + (h.name ? ` (${h.name})` : "")).sort().join(", ");
    rows.push({ label: t("Holidays"), mine: days(mine), theirs: days(other) });
    return rows;
  };

  return (
    <form className="md-form panel" aria-label={calendar ? t("Edit calendar") : t("New calendar")} onSubmit={submit} noValidate>
      <h3 className="panel-title">{calendar ? t("Edit calendar {code}", { code: calendar.code }) : t("New calendar")}</h3>
      <FormError error={guard.error} shown={shownFields} />
      {theirs && <ConflictDiff busy={guard.busy} rows={diffRows()} onKeepTheirs={onDone} onOverwrite={() => void save(theirs.version)} />}
      <div className="md-fields">
        <label className="field"><span>{t("Code")}</span>
          <input className="input" value={d.code} onChange={(e) => set({ code: e.target.value })} aria-invalid={err("code") ? true : undefined} />
          {msgOf("code")}
        </label>
        <label className="field"><span>{t("Name")}</span>
          <input className="input" value={d.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={err("name") ? true : undefined} />
          {msgOf("name")}
        </label>
        <label className="field"><span>{t("Site")}</span>
          <select className="input" value={d.site_id} onChange={(e) => set({ site_id: e.target.value, line_id: "" })}>
            {d.site_id === "" && <option value="">{t("Choose…")}</option>}
            {sites.map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
          </select>
          {msgOf("site_id")}
        </label>
        <label className="field"><span>{t("Applies to")}</span>
          <select className="input" value={d.line_id} onChange={(e) => set({ line_id: e.target.value })}>
            <option value="">{t("whole site")}</option>
            {siteLines.map((l) => <option key={l.id} value={String(l.id)}>{t("line {code}", { code: l.code })}</option>)}
          </select>
          {msgOf("line_id")}
        </label>
      </div>

      <h4>{t("Shifts")}</h4>
      {d.patterns.map((p, i) => (
        <fieldset key={p.key} className="md-step" aria-label={t("Shift {n}", { n: i + 1 })} data-testid="shift-editor">
          <legend>{t("Shift {n}", { n: i + 1 })}</legend>
          <div className="md-fields">
            <label className="field md-narrow"><span>{t("Shift code")}</span>
              <input className="input" value={p.code} onChange={(e) => setShift(p.key, { code: e.target.value })} />
              {msgOf(`patterns[${i}].code`)}
            </label>
            <label className="field"><span>{t("Shift name")}</span>
              <input className="input" value={p.name} onChange={(e) => setShift(p.key, { name: e.target.value })} />
            </label>
            <label className="field"><span>{t("Starts")}</span>
              <input className="input" type="time" value={p.start} onChange={(e) => setShift(p.key, { start: e.target.value })} />
              {msgOf(`patterns[${i}].start`)}
            </label>
            <label className="field"><span>{t("Ends")}</span>
              <input className="input" type="time" value={p.end} onChange={(e) => setShift(p.key, { end: e.target.value })} />
              {msgOf(`patterns[${i}].end`)}
            </label>
          </div>
          <div className="md-eligible" role="group" aria-label={t("Days")}>
            {[0, 1, 2, 3, 4, 5, 6].map((day) => (
              <label key={day} className="md-check">
                <input type="checkbox" checked={p.weekdays.includes(day)}
                  onChange={(e) => setShift(p.key, { weekdays: e.target.checked ? [...p.weekdays, day].sort() : p.weekdays.filter((x) => x !== day) })} />
                <span>{weekdayName(day)}</span>
              </label>
            ))}
            {msgOf(`patterns[${i}].weekdays`)}
          </div>
          {p.breaks.map((b, j) => (
            <div key={j} className="md-eligible" role="group" aria-label={t("Break {n}", { n: j + 1 })}>
              <label className="md-inline"><span>{t("Break starts")}</span>
                <input className="input" type="time" value={b.start}
                  onChange={(e) => setShift(p.key, { breaks: p.breaks.map((x, k) => (k === j ? { ...x, start: e.target.value } : x)) })} />
              </label>
              <label className="md-inline"><span>{t("Minutes")}</span>
                <input className="input md-num" type="number" min={1} value={String(b.minutes)}
                  onChange={(e) => setShift(p.key, { breaks: p.breaks.map((x, k) => (k === j ? { ...x, minutes: Number(e.target.value) } : x)) })} />
              </label>
              {msgOf(`patterns[${i}].breaks[${j}].start`)}
              {msgOf(`patterns[${i}].breaks[${j}].minutes`)}
              <button type="button" className="btn-link md-danger" onClick={() => setShift(p.key, { breaks: p.breaks.filter((_, k) => k !== j) })}>
                {t("Remove break")}
              </button>
            </div>
          ))}
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => setShift(p.key, { breaks: [...p.breaks, { start: "10:00", minutes: 15 }] })}>{t("Add break")}</button>
            <button type="button" className="btn-link md-danger" onClick={() => set({ patterns: d.patterns.filter((x) => x.key !== p.key) })}>{t("Remove shift")}</button>
          </div>
        </fieldset>
      ))}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => set({ patterns: [...d.patterns, { key: nextKey++, code: "", name: "", start: "06:00", end: "14:00", weekdays: [0, 1, 2, 3, 4], breaks: [] }] })}>
          {t("Add shift")}
        </button>
      </div>

      <h4>{t("Holidays")}</h4>
      {d.holidays.map((h, k) => (
        <div key={h.key} className="md-eligible" role="group" aria-label={t("Holiday {n}", { n: k + 1 })}>
          <label className="md-inline"><span>{t("Date")}</span>
            <input className="input" type="date" value={h.day}
              onChange={(e) => set({ holidays: d.holidays.map((x) => (x.key === h.key ? { ...x, day: e.target.value } : x)) })} />
          </label>
          <label className="md-inline"><span>{t("Holiday name")}</span>
            <input className="input" value={h.name}
              onChange={(e) => set({ holidays: d.holidays.map((x) => (x.key === h.key ? { ...x, name: e.target.value } : x)) })} />
          </label>
          {msgOf(`holidays[${k}].day`)}
          <button type="button" className="btn-link md-danger" onClick={() => set({ holidays: d.holidays.filter((x) => x.key !== h.key) })}>{t("Remove holiday")}</button>
        </div>
      ))}
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => set({ holidays: [...d.holidays, { key: nextKey++, day: "", name: "" }] })}>{t("Add holiday")}</button>
      </div>

      <WeekView shifts={d.patterns} timezone={site?.timezone ?? ""} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={guard.busy}>{t("Save calendar")}</button>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </div>
    </form>
  );
}
