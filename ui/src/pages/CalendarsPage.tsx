import { listCalendars, listLines, listSites, type Calendar } from "../api";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDay, fmtWeekdays } from "../format";
import { useApi } from "../useApi";

/** Shift calendars. Shift times are site-local wall-clock times, shown as stored. */
export function CalendarsPage() {
  const data = useApi(() => Promise.all([listCalendars(), listSites(), listLines()]), []);
  const header = <PageHeader title="Calendars" subtitle="Shift patterns, breaks and holidays per site or line (site-local times)." />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [calendars, sites, lines] = data.data;
  if (calendars.length === 0) return <>{header}<Empty>No calendars yet.</Empty></>;
  const scope = (c: Calendar) => {
    const site = sites.find((s) => s.id === c.site_id);
    const line = c.line_id !== null ? lines.find((l) => l.id === c.line_id) : undefined;
    return `${site ? `${site.name} (${site.timezone})` : `site #${c.site_id}`}${line ? ` · line ${line.code}` : " · whole site"}`;
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
                <tr><th>Shift</th><th>Time</th><th>Days</th><th>Breaks</th></tr>
              </thead>
              <tbody>
                {c.patterns.map((p) => (
                  <tr key={p.id}>
                    <td><div className="strong">{p.code}</div>{p.name && <div className="sub">{p.name}</div>}</td>
                    <td className="nowrap">{p.start} – {p.end}{p.end <= p.start && <span className="sub"> (next day)</span>}</td>
                    <td>{fmtWeekdays(p.weekdays)}</td>
                    <td>{p.breaks.length ? p.breaks.map((b) => `${b.start} (${b.minutes} min)`).join(", ") : <span className="muted">—</span>}</td>
                  </tr>
                ))}
                {c.patterns.length === 0 && <tr><td colSpan={4} className="muted">No shift patterns.</td></tr>}
              </tbody>
            </table>
          </div>
          {c.holidays.length > 0 && (
            <p className="holidays">
              <span className="strong">Holidays: </span>
              {[...c.holidays].sort((a, b) => a.day.localeCompare(b.day)).map((h) => `${fmtDay(h.day)}${h.name ? ` (${h.name})` : ""}`).join(" · ")}
            </p>
          )}
        </section>
      ))}
    </>
  );
}
