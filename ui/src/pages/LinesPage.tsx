import { useState } from "react";
import { listAreas, listLines, listMachines, listSites, type Area, type Line, type Machine, type Site } from "../api";
import { ExportButton } from "../components/ExportButton";
import { machinesTable } from "../exchange/tables";
import { Chip } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { t } from "../i18n";
import { useCan } from "../session";
import { setSiteZone, siteName } from "../site";
import { resource, type Resource, type Values, type Versioned } from "../masterdata/api";
import { DeleteButton, EditButton } from "../masterdata/DeleteButton";
import { RecordForm, type FieldSpec } from "../masterdata/RecordForm";
import "../masterdata/masterdata.css";

const API = {
  site: resource<Site>("/sites"),
  area: resource<Area>("/areas"),
  line: resource<Line>("/lines"),
  machine: resource<Machine>("/machines"),
};
type Kind = keyof typeof API;
const LINE_TYPES = ["SMT", "DIP", "TEST", "PACK", "OTHER"];

interface Editor {
  kind: Kind;
  record?: Versioned;
  defaults?: Values;
}

/** Sites → areas → lines → machines, as one tree; an administrator edits it in place. */
export function LinesPage() {
  const data = useApi(() => Promise.all([listSites(), listAreas(), listLines(), listMachines()]), []);
  const canWrite = useCan("equipment:write");
  const [editor, setEditor] = useState<Editor | null>(null);
  const newSite = canWrite && <button type="button" className="btn btn-primary" onClick={() => setEditor({ kind: "site" })}>{t("New site")}</button>;
  const header = <PageHeader title={t("Lines & machines")} subtitle={t("Sites, areas, production lines and the machines on each line.")}
    actions={<>{data.data && <ExportButton label={t("Lines & machines")} table={() => machinesTable(...data.data!)} />}{newSite}</>} />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [sites, areas, lines, machines] = data.data;

  const fields: Record<Kind, () => FieldSpec[]> = {
    site: () => [
      { name: "code", label: t("Code") },
      { name: "name", label: t("Name") },
      { name: "timezone", label: t("Time zone"), hint: t("IANA time zone, e.g. Europe/Berlin") },
    ],
    area: () => [
      { name: "site_id", label: t("Site"), kind: "ref", options: sites.map((s) => ({ value: s.id, label: s.name })) },
      { name: "code", label: t("Code") },
      { name: "name", label: t("Name") },
    ],
    line: () => [
      { name: "area_id", label: t("Area"), kind: "ref", options: areas.map((a) => ({ value: a.id, label: a.name })) },
      { name: "code", label: t("Code") },
      { name: "name", label: t("Name") },
      { name: "type", label: t("Type"), kind: "select", options: LINE_TYPES.map((x) => ({ value: x, label: x })) },
    ],
    machine: () => [
      { name: "line_id", label: t("Line"), kind: "ref", options: lines.map((l) => ({ value: l.id, label: `${l.code} — ${l.name}` })) },
      { name: "code", label: t("Code") },
      { name: "name", label: t("Name") },
      { name: "kind", label: t("Kind"), hint: t("e.g. printer, pnp, oven, aoi") },
      { name: "position", label: t("Position in flow"), kind: "number", step: "1" },
      { name: "speed_factor", label: t("Speed factor"), kind: "number" },
      { name: "minor_stop_threshold_s", label: t("Minor stop threshold (s)"), kind: "number" },
    ],
  };
  const titles: Record<Kind, [string, string]> = {
    site: [t("New site"), t("Edit site")],
    area: [t("New area"), t("Edit area")],
    line: [t("New line"), t("Edit line")],
    machine: [t("New machine"), t("Edit machine")],
  };
  const saved = (kind: Kind, rec: Versioned) => {
    // The first site sets the zone every time of the application is shown in.
    if (kind === "site" && (!siteName() || sites.length === 0)) {
      const site = rec as Site;
      setSiteZone(site.timezone, site.name);
    }
    setEditor(null);
    data.reload();
  };
  const form = editor && (
    <RecordForm key={`${editor.kind}-${editor.record?.id ?? "new"}`}
      title={titles[editor.kind][editor.record ? 1 : 0]} fields={fields[editor.kind]()}
      resource={API[editor.kind] as Resource<Versioned>} record={editor.record} defaults={editor.defaults}
      onCancel={() => setEditor(null)} onDone={(rec) => saved(editor.kind, rec)} />
  );
  const actions = (kind: Kind, rec: Versioned & { code: string }) => canWrite && (
    <span className="md-actions">
      <EditButton what={rec.code} onClick={() => setEditor({ kind, record: rec })} />
      <DeleteButton what={rec.code} onDelete={() => API[kind].remove(rec.id)} onDeleted={data.reload} />
    </span>
  );
  const machinesOf = (line: Line): Machine[] =>
    machines.filter((m) => m.line_id === line.id).sort((a, b) => a.position - b.position || a.code.localeCompare(b.code));
  return (
    <>
      {header}
      {form}
      {sites.length === 0 && <Empty>{t("No sites yet.")}</Empty>}
      {sites.map((site) => (
        <section key={site.id} className="site" data-testid="site">
          <div className="md-title-row">
            <h2 className="site-title">
              {site.name} <span className="muted">{site.code} · {site.timezone}</span>
            </h2>
            {canWrite && (
              <span className="md-actions">
                {actions("site", site)}
                <button type="button" className="btn" onClick={() => setEditor({ kind: "area", defaults: { site_id: site.id } })}>{t("Add area")}</button>
              </span>
            )}
          </div>
          {areas.filter((a) => a.site_id === site.id).map((area) => {
            const areaLines = lines.filter((l) => l.area_id === area.id);
            return (
              <div key={area.id} className="panel" data-testid="area">
                <div className="md-title-row">
                  <h3 className="panel-title">{area.name} <span className="muted">{area.code}</span></h3>
                  {canWrite && (
                    <span className="md-actions">
                      {actions("area", area)}
                      <button type="button" className="btn" onClick={() => setEditor({ kind: "line", defaults: { area_id: area.id, type: LINE_TYPES[0] } })}>{t("Add line")}</button>
                    </span>
                  )}
                </div>
                {areaLines.length === 0 ? <p className="muted">{t("No lines in this area.")}</p> : (
                  <div className="table-wrap">
                    <table className="table table-fixed">
                      <thead>
                        <tr><th className="col-line">{t("Line")}</th><th className="col-type">{t("Type")}</th><th>{t("Machines (in flow order)")}</th></tr>
                      </thead>
                      <tbody>
                        {areaLines.map((line) => (
                          <tr key={line.id} data-testid="line-row">
                            <td>
                              <div className="strong">{line.code}</div><div className="sub">{line.name}</div>
                              {actions("line", line)}
                            </td>
                            <td><Chip>{line.type}</Chip></td>
                            <td>
                              <div className="machine-flow">
                                {machinesOf(line).map((m) => (
                                  <span key={m.id} className="machine" title={`${m.kind} · ${t("speed ×{factor}", { factor: m.speed_factor })}`}>
                                    <span className="strong">{m.code}</span>
                                    <span className="sub">{m.name} · {m.kind}</span>
                                    {actions("machine", m)}
                                  </span>
                                ))}
                                {machinesOf(line).length === 0 && <span className="muted">{t("No machines")}</span>}
                                {canWrite && (
                                  <button type="button" className="btn" aria-label={t("Add machine to {line}", { line: line.code })}
                                    onClick={() => setEditor({ kind: "machine", defaults: { line_id: line.id, position: machinesOf(line).length + 1, speed_factor: 1, minor_stop_threshold_s: 120 } })}>
                                    {t("Add machine")}
                                  </button>
                                )}
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
