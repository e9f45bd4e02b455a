// A product's bill of materials edited as a whole (material and quantity per unit) and
// saved with one PUT carrying the version it was opened at.
import { useState, type FormEvent } from "react";
import { ConflictDiff } from "../components/ConflictDiff";
import { t } from "../i18n";
import { getBom, putBom, type Bom, type Material } from "./api";
import { FormError, fieldError } from "./FormError";
import { useGuardedSave } from "./useGuardedSave";

interface Row {
  key: number;
  material_id: string;
  quantity: string;
  step: string; // the routing step (seq) that consumes it; "" = the first
}

let nextKey = 1;

export function BomEditor({ productId, bom, materials, onDone, onCancel }: {
  productId: number;
  bom: Bom;
  materials: Material[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [rows, setRows] = useState<Row[]>(() =>
    bom.items.map((i) => ({ key: nextKey++, material_id: String(i.material.id), quantity: String(i.quantity_per_unit), step: i.step_seq == null ? "" : String(i.step_seq) })));
  const guard = useGuardedSave<Bom>(() => getBom(productId));
  const body = () => rows.map((r) => ({ material_id: Number(r.material_id), quantity_per_unit: Number(r.quantity), step_seq: r.step.trim() === "" ? null : Number(r.step) }));
  const save = (version: number) => guard.run(() => putBom(productId, { items: body(), version }), onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(bom.version);
  };
  const set = (key: number, change: Partial<Row>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const code = (id: number) => materials.find((m) => m.id === id)?.code ?? String(id);
  const theirs = guard.theirs;
  const diffRows = () => {
    if (!theirs) return [];
    const mine = new Map(body().map((i) => [i.material_id, i.quantity_per_unit]));
    const their = new Map(theirs.items.map((i) => [i.material.id, i.quantity_per_unit]));
    return [...new Set([...mine.keys(), ...their.keys()])].map((id) => ({
      label: code(id),
      mine: mine.has(id) ? String(mine.get(id)) : "",
      theirs: their.has(id) ? String(their.get(id)) : "",
    }));
  };
  const err = (i: number, f: string) => fieldError(guard.error, `items[${i}].${f}`);

  return (
    <form className="md-form panel" aria-label={t("Bill of materials")} onSubmit={submit} noValidate>
      <h3 className="panel-title">{t("Edit bill of materials")}</h3>
      <FormError error={guard.error} shown={rows.flatMap((_, i) => [`items[${i}].material_id`, `items[${i}].quantity_per_unit`, `items[${i}].step_seq`])} />
      {theirs && <ConflictDiff busy={guard.busy} rows={diffRows()} onKeepTheirs={onDone} onOverwrite={() => void save(theirs.version)} />}
      {materials.length === 0 && <p className="muted">{t("No materials yet: create them on the Materials page first.")}</p>}
      <table className="table">
        <thead><tr><th>{t("Material")}</th><th>{t("Quantity per unit")}</th><th title={t("The routing step that consumes it; empty: the first step")}>{t("Step")}</th><th /></tr></thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.key} data-testid="bom-row">
              <td>
                <select className="input" aria-label={t("Material of row {n}", { n: i + 1 })} value={r.material_id}
                  onChange={(e) => set(r.key, { material_id: e.target.value })}>
                  {r.material_id === "" && <option value="">{t("Choose…")}</option>}
                  {materials.map((m) => <option key={m.id} value={String(m.id)}>{m.code} — {m.name}</option>)}
                </select>
                {err(i, "material_id") && <div className="field-message">{err(i, "material_id")}</div>}
              </td>
              <td>
                <input className="input md-num" type="number" min={0} step="any" aria-label={t("Quantity per unit of row {n}", { n: i + 1 })}
                  value={r.quantity} onChange={(e) => set(r.key, { quantity: e.target.value })}
                  aria-invalid={err(i, "quantity_per_unit") ? true : undefined} />
                {" "}{materials.find((m) => String(m.id) === r.material_id)?.unit}
                {err(i, "quantity_per_unit") && <div className="field-message">{err(i, "quantity_per_unit")}</div>}
              </td>
              <td>
                <input className="input md-num" type="number" min={1} step={1} placeholder={t("first")} aria-label={t("Step of row {n}", { n: i + 1 })}
                  value={r.step} onChange={(e) => set(r.key, { step: e.target.value })}
                  aria-invalid={err(i, "step_seq") ? true : undefined} />
                {err(i, "step_seq") && <div className="field-message">{err(i, "step_seq")}</div>}
              </td>
              <td>
                <button type="button" className="btn-link md-danger" onClick={() => setRows((all) => all.filter((x) => x.key !== r.key))}>
                  {t("Remove row {n}", { n: i + 1 })}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => setRows((all) => [...all, { key: nextKey++, material_id: "", quantity: "1", step: "" }])}>
          {t("Add material")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={guard.busy}>{t("Save bill of materials")}</button>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </div>
    </form>
  );
}
