import { useState, type FormEvent } from "react";
import { del, getAll, post } from "../api";
import type { components } from "../api.gen";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtNumber } from "../format";
import { t } from "../i18n";
import { useCan } from "../session";
import { useApi } from "../useApi";

type Conversion = components["schemas"]["UnitConversionOut"];

/** A material's units: its own conversions (a reel of 5,000 pcs) and the global ones
 * (a box of 100), with a form to add one for this material. */
export function UnitConversions({ materialId, base, onChanged }: { materialId: number; base: string; onChanged: () => void }) {
  const data = useApi(() => getAll<Conversion>("/unit-conversions"), []);
  const mayWrite = useCan("masterdata:write");
  const [unit, setUnit] = useState("");
  const [factor, setFactor] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const changed = () => { data.reload(); onChanged(); };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await post("/unit-conversions", { material_id: materialId, from_unit: unit.trim(), to_unit: base, factor: Number(factor) });
      setUnit("");
      setFactor("");
      changed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (c: Conversion) => {
    setError(undefined);
    try {
      await del(`/unit-conversions/${c.id}`);
      changed();
    } catch (err) {
      setError(err);
    }
  };
  const rows = (data.data ?? []).filter((c) => c.material_id === materialId || c.material_id === null);
  return (
    <section className="panel" data-testid="unit-conversions">
      <h2 className="panel-title">{t("Units")}</h2>
      <p className="muted">{t("Kept in {unit}. kg, g, mg, m, mm, cm, l and ml convert without being set up.", { unit: base })}</p>
      {error !== undefined && <ErrorState error={error} />}
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : rows.length === 0 ? <Empty>{t("No conversions set up.")}</Empty> : (
        <ul>
          {rows.map((c) => (
            <li key={c.id} data-testid="conversion">
              {t("1 {from} = {factor} {to}", { from: c.from_unit, factor: fmtNumber(c.factor), to: c.to_unit })}
              {c.material_id === null && <span className="muted"> ({t("every material")})</span>}
              {mayWrite && c.material_id !== null && <> <button type="button" className="btn" onClick={() => remove(c)}>{t("Remove")}</button></>}
            </li>
          ))}
        </ul>
      )}
      {mayWrite && (
        <form className="md-form" aria-label={t("New unit")} onSubmit={add}>
          <div className="md-fields ledger-fields">
            <label className="field"><span>{t("1 unit of")}</span><input className="input" value={unit} onChange={(e) => setUnit(e.target.value)} placeholder={t("e.g. reel")} /></label>
            <label className="field"><span>{t("is this many {unit}", { unit: base })}</span><input className="input" inputMode="decimal" value={factor} onChange={(e) => setFactor(e.target.value)} /></label>
          </div>
          <button type="submit" className="btn btn-primary btn-large" disabled={busy || !unit.trim() || !(Number(factor) > 0)}>{t("Add unit")}</button>
        </form>
      )}
    </section>
  );
}
