import { useState } from "react";
import { listAreas, listOperators, type Operator } from "../api";
import { ExportButton } from "../components/ExportButton";
import { operatorsTable } from "../exchange/tables";
import { Chip } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { BadgeButton } from "../terminal/BadgeDialog";
import { useApi } from "../useApi";
import { t } from "../i18n";
import { useCan } from "../session";
import { resource } from "../masterdata/api";
import { DeleteButton, EditButton } from "../masterdata/DeleteButton";
import { RecordForm, type FieldSpec } from "../masterdata/RecordForm";
import "../masterdata/masterdata.css";

const operatorApi = resource<Operator>("/operators");

export function OperatorsPage() {
  const data = useApi(() => Promise.all([listOperators(), listAreas()]), []);
  const canWrite = useCan("people:write");
  const [editing, setEditing] = useState<Operator | "new" | null>(null);
  const header = (
    <PageHeader title={t("Operators")} subtitle={t("People on the floor, their skills, areas and shift.")}
      actions={<>
        {data.data && <ExportButton label={t("Operators")} table={() => operatorsTable(...data.data!)} />}
        {canWrite && <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>{t("New operator")}</button>}
      </>} />
  );
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [operators, areas] = data.data;
  const areaName = (id: number) => areas.find((a) => a.id === id)?.name ?? t("an area you cannot see");
  const fields: FieldSpec[] = [
    { name: "code", label: t("Code") },
    { name: "name", label: t("Name") },
    { name: "skills", label: t("Skills"), kind: "tags", hint: t("Separated by commas, as the routing steps name them") },
    { name: "area_ids", label: t("Areas"), kind: "ids", options: areas.map((a) => ({ value: a.id, label: a.name })) },
    { name: "shift_code", label: t("Shift"), kind: "optional-text", hint: t("The shift pattern's code, e.g. EARLY") },
    { name: "active", label: t("Active"), kind: "checkbox" },
  ];
  return (
    <>
      {header}
      {editing && (
        <RecordForm key={editing === "new" ? "new" : editing.id} title={editing === "new" ? t("New operator") : t("Edit operator")}
          fields={fields} resource={operatorApi} record={editing === "new" ? undefined : editing}
          onCancel={() => setEditing(null)} onDone={() => { setEditing(null); data.reload(); }} />
      )}
      {operators.length === 0 ? <Empty>{t("No operators yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table" data-testid="operators">
            <thead>
              <tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Skills")}</th><th>{t("Areas")}</th><th>{t("Shift")}</th><th>{t("Status")}</th><th>{t("Terminal")}</th><th /></tr>
            </thead>
            <tbody>
              {operators.map((op) => (
                <tr key={op.id} className={op.active ? "" : "row-inactive"}>
                  <td className="strong">{op.code}</td>
                  <td>{op.name}</td>
                  <td><div className="chips">{op.skills.map((s) => <Chip key={s}>{s}</Chip>)}{op.skills.length === 0 && <span className="muted">—</span>}</div></td>
                  <td>{op.area_ids.length ? op.area_ids.map(areaName).join(", ") : <span className="muted">—</span>}</td>
                  <td>{op.shift_code ?? <span className="muted">—</span>}</td>
                  <td>{op.active ? <span className="badge status-released">{t("Active")}</span> : <span className="badge status-cancelled">{t("Inactive")}</span>}</td>
                  <td><BadgeButton operator={op} /></td>
                  <td>{canWrite && (
                    <span className="md-actions">
                      <EditButton what={op.code} onClick={() => setEditing(op)} />
                      <DeleteButton what={op.code} onDelete={() => operatorApi.remove(op.id)} onDeleted={data.reload} />
                    </span>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
