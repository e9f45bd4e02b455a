import { useState } from "react";
import { listAreas, listCalendars, listLines, listSites, type Calendar } from "../api";
import { ExportButton } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { calendarsTable } from "../exchange/tables";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDay } from "../format";
import { useApi } from "../useApi";
import { t } from "../i18n";
import { useCan } from "../session";
import { CalendarEditor, calendarApi } from "../masterdata/CalendarEditor";
import { DeleteButton } from "../masterdata/DeleteButton";
import { WeekView } from "../masterdata/WeekView";
import "../masterdata/masterdata.css";

/** Shift calendars as week views. Shift times are site-local wall-clock times, shown as stored. */
export function CalendarsPage() {
  const data = useApi(() => Promise.all([listCalendars(), listSites(), listAreas(), listLines()]), []);
  const canWrite = useCan("calendars:write");
  const [editing, setEditing] = useState<Calendar | "new" | null>(null);
  const header = (
    <PageHeader title={t("Calendars")} subtitle={t("Shift patterns, breaks and holidays per site or line (site-local times).")}
      actions={<>
        {data.data && data.data[0].length > 0 && <ExportButton label={t("Calendars")} table={() => calendarsTable(data.data![0], data.data![1], data.data![3])} />}
        {canWrite && <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>{t("New calendar")}</button>}
      </>} />
  );
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [calendars, sites, areas, lines] = data.data;
  const scope = (c: Calendar) => {
    const site = sites.find((s) => s.id === c.site_id);
    const line = c.line_id !== null ? lines.find((l) => l.id === c.line_id) : undefined;
    const where = site ? `${site.name} (${site.timezone})` : t("site #{id}", { id: String(c.site_id) });
    return `${where} · ${line ? t("line {code}", { code: line.code }) : t("whole site")}`;
  };
  const done = () => { setEditing(null); data.reload(); };
  return (
    <>
      {header}
      {editing && (
        <CalendarEditor key={editing === "new" ? "new" : editing.id} calendar={editing === "new" ? undefined : editing}
          sites={sites} areas={areas} lines={lines} onDone={done} onCancel={() => setEditing(null)} />
      )}
      {calendars.length === 0 && <Empty>{t("No calendars yet.")}</Empty>}
      {calendars.map((c) => (
        <section key={c.id} className="panel" data-testid="calendar" data-code={c.code}>
          <div className="md-title-row">
            <h2 className="panel-title">{c.name} <span className="muted">{c.code}</span></h2>
            {canWrite && (
              <span className="md-actions">
                <button type="button" className="btn" aria-label={t("Edit {what}", { what: c.code })} onClick={() => setEditing(c)}>{t("Edit")}</button>
                <DeleteButton what={c.code} onDelete={() => calendarApi.remove(c.id)} onDeleted={data.reload} />
              </span>
            )}
          </div>
          <p className="muted">{scope(c)}</p>
          {c.patterns.length === 0 ? <p className="muted">{t("No shift patterns.")}</p> : (
            <WeekView shifts={c.patterns} timezone={sites.find((s) => s.id === c.site_id)?.timezone ?? ""} />
          )}
          {c.holidays.length > 0 && (
            <p className="holidays">
              <span className="strong">{t("Holidays:")} </span>
              {[...c.holidays].sort((a, b) => a.day.localeCompare(b.day)).map((h) => `${fmtDay(h.day)}${h.name ? ` (${h.name})` : ""}`).join(" · ")}
            </p>
          )}
        </section>
      ))}
    </>
  );
}
