import { listAreas, listLines, listMachines, listSites, type Line, type Machine } from "../api";
import { Chip } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { t } from "../i18n";

/** Sites → areas → lines → machines, as one read-only tree. */
export function LinesPage() {
  const data = useApi(() => Promise.all([listSites(), listAreas(), listLines(), listMachines()]), []);
  const header = <PageHeader title={t("Lines & machines")} subtitle={t("Sites, areas, production lines and the machines on each line.")} />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [sites, areas, lines, machines] = data.data;
  if (sites.length === 0) return <>{header}<Empty>{t("No sites yet.")}</Empty></>;
  const machinesOf = (line: Line): Machine[] =>
    machines.filter((m) => m.line_id === line.id).sort((a, b) => a.position - b.position || a.code.localeCompare(b.code));
  return (
    <>
      {header}
      {sites.map((site) => (
        <section key={site.id} className="site">
          <h2 className="site-title">
            {site.name} <span className="muted">{site.code} · {site.timezone}</span>
          </h2>
          {areas.filter((a) => a.site_id === site.id).map((area) => {
            const areaLines = lines.filter((l) => l.area_id === area.id);
            return (
              <div key={area.id} className="panel">
                <h3 className="panel-title">{area.name} <span className="muted">{area.code}</span></h3>
                {areaLines.length === 0 ? <p className="muted">{t("No lines in this area.")}</p> : (
                  <div className="table-wrap">
                    <table className="table table-fixed">
                      <thead>
                        <tr><th className="col-line">{t("Line")}</th><th className="col-type">{t("Type")}</th><th>{t("Machines (in flow order)")}</th></tr>
                      </thead>
                      <tbody>
                        {areaLines.map((line) => (
                          <tr key={line.id} data-testid="line-row">
                            <td><div className="strong">{line.code}</div><div className="sub">{line.name}</div></td>
                            <td><Chip>{line.type}</Chip></td>
                            <td>
                              <div className="machine-flow">
                                {machinesOf(line).map((m) => (
                                  <span key={m.id} className="machine" title={`${m.kind} · ${t("speed ×{factor}", { factor: m.speed_factor })}`}>
                                    <span className="strong">{m.code}</span>
                                    <span className="sub">{m.name} · {m.kind}</span>
                                  </span>
                                ))}
                                {machinesOf(line).length === 0 && <span className="muted">{t("No machines")}</span>}
                              </div>
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </div>
            );
          })}
        </section>
      ))}
    </>
  );
}
