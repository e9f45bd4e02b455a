import { listCalendars, listLines, listSites, type Calendar } from "../api";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDay, fmtWeekdays } from "../format";
import { useApi } from "../useApi";
import { t } from "../i18n";

/** Shift calendars. Shift times are site-local wall-clock times, shown as stored. */
export function CalendarsPage() {
  const data = useApi(() => Promise.all([listCalendars(), listSites(), listLines()]), []);
  const header = <PageHeader title={t("Calendars")} subtitle={t("Shift patterns, breaks and holidays per site or line (site-local times).")} />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [calendars, sites, lines] = data.data;
  if (calendars.length === 0) return <>{header}<Empty>{t("No calendars yet.")}</Empty></>;
  const scope = (c: Calendar) => {
    const site = sites.find((s) => s.id === c.site_id);
    const line = c.line_id !== null ? lines.find((l) => l.id === c.line_id) : undefined;
    const where = site ? `${site.name} (${site.timezone})` : t("site #{id}", { id: String(c.site_id) });
    return `${where} · ${line ? t("line {code}", { code: line.code }) : t("whole site")}`;
  };
  return (
    <>
      {header}
      {calendars.map((c) => (
        <section key={c.id} className="panel">
          <h2 className="panel-title">{c.name} <span className="muted">{c.code}</span></h2>
          <p className="muted">{scope(c)}</p>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>{t("Shift")}</th><th>{t("Time")}</th><th>{t("Days")}</th><th>{t("Breaks")}</th></tr>
              </thead>
              <tbody>
                {c.patterns.map((p) => (
                  <tr key={p.id}>
                    <td><div className="strong">{p.code}</div>{p.name && <div className="sub">{p.name}</div>}</td>
                    <td className="nowrap">{p.start} – {p.end}{p.end <= p.start && <span className="sub"> {t("(next day)")}</span>}</td>
                    <td>{fmtWeekdays(p.weekdays)}</td>
                    <td>{p.breaks.length ? p.breaks.map((b) => `${b.start} (${b.minutes} min)`).join(", ") : <span className="muted">—</span>}</td>
                  </tr>
                ))}
                {c.patterns.length === 0 && <tr><td colSpan={4} className="muted">{t("No shift patterns.")}</td></tr>}
              </tbody>
            </table>
          </div>
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
