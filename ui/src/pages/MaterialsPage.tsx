import { useState } from "react";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { listProducts } from "../api";
import { t } from "../i18n";
import { useCan } from "../session";
import { listMaterials, resource, type Material } from "../masterdata/api";
import { DeleteButton, EditButton } from "../masterdata/DeleteButton";
import { RecordForm, type FieldSpec } from "../masterdata/RecordForm";
import { ExportButton } from "../components/ExportButton";
import { materialsTable } from "../exchange/tables";
import "../masterdata/masterdata.css";
import { linkHandler } from "../router";

const materialApi = resource<Material>("/materials");

/** The materials bills of materials are made of (components, in their unit). */
export function MaterialsPage() {
  const materials = useApi(listMaterials, []);
  const products = useApi(listProducts, []);
  const canWrite = useCan("masterdata:write");
  const [editing, setEditing] = useState<Material | "new" | null>(null);
  const fields: FieldSpec[] = [
    { name: "code", label: t("Code") },
    { name: "name", label: t("Name") },
    { name: "unit", label: t("Unit"), hint: t("pcs, g, m …") },
    { name: "backflush", label: t("Backflush from counts"), kind: "checkbox",
      hint: t("Consumed when units are counted; otherwise issued to the order by hand.") },
    { name: "scrap_factor", label: t("Scrap factor"), kind: "number", step: "0.01",
      hint: t("Extra share used up per unit, e.g. 0.02 for 2 %.") },
    { name: "reorder_level", label: t("Reorder level"), kind: "number", step: "any",
      hint: t("Listed to reorder when available stock falls below it; empty: not watched.") },
    { name: "product_id", label: t("Sub-assembly made by"), kind: "ref", none: t("Bought, not made here"),
      options: (products.data ?? []).map((p) => ({ value: p.id, label: `${p.code} — ${p.name}` })),
      hint: t("Orders of this product make it; their good units are received as this material.") },
  ];
  const header = (
    <PageHeader title={t("Materials")} subtitle={t("Components and raw materials that bills of materials use.")}
      actions={<>
        {materials.data && <ExportButton label={t("Materials")} table={() => materialsTable(materials.data!)} />}
        {canWrite && <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>{t("New material")}</button>}
      </>} />
  );
  if (materials.error) return <>{header}<ErrorState error={materials.error} onRetry={materials.reload} /></>;
  if (!materials.data) return <>{header}<Loading /></>;
  return (
    <>
      {header}
      {editing && (
        <RecordForm key={editing === "new" ? "new" : editing.id} title={editing === "new" ? t("New material") : t("Edit material")}
          fields={fields} resource={materialApi} record={editing === "new" ? undefined : editing}
          defaults={{ unit: "pcs", backflush: true, scrap_factor: 0 }} onCancel={() => setEditing(null)}
          onDone={() => { setEditing(null); materials.reload(); }} />
      )}
      {materials.data.length === 0 ? <Empty>{t("No materials yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table" data-testid="materials">
            <thead><tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Unit")}</th><th>{t("Consumption")}</th><th className="num">{t("Scrap factor")}</th><th className="num">{t("Reorder level")}</th><th /></tr></thead>
            <tbody>
              {materials.data.map((m) => (
                <tr key={m.id}>
                  <td className="strong"><a href={`/materials/${m.id}`} onClick={linkHandler(`/materials/${m.id}`)}>{m.code}</a></td>
                  <td>{m.name}</td>
                  <td>{m.unit}</td>
                  <td>{m.backflush ? t("Backflush") : t("Issued by hand")}</td>
                  <td className="num">{m.scrap_factor}</td>
                  <td className="num">{m.reorder_level ?? "—"}</td>
                  <td>{canWrite && (
                    <span className="md-actions">
                      <EditButton what={m.code} onClick={() => setEditing(m)} />
                      <DeleteButton what={m.code} onDelete={() => materialApi.remove(m.id)} onDeleted={materials.reload} />
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
