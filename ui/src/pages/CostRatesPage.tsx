import { useState, type FormEvent } from "react";
import { PageHeader } from "../components/PageHeader";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal, zoneLabel } from "../format";
import { t } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import { getCostRates, listModels, putCostRates, trainModels, type CostRates } from "../delivery/predictionApi";
import "../masterdata/masterdata.css";

/** Text inputs of one rate: "" means none (a line then uses the site's rate). */
type Draft = { currency: string; labour: string; machine: string; lines: Record<number, { labour: string; machine: string }>; materials: Record<number, string> };

function draftOf(r: CostRates): Draft {
  const s = (v: number | null) => (v === null ? "" : String(v));
  return {
    currency: r.currency, labour: String(r.labour_per_h), machine: String(r.machine_per_h),
    lines: Object.fromEntries(r.lines.map((l) => [l.line_id, { labour: s(l.labour_per_h), machine: s(l.machine_per_h) }])),
    materials: Object.fromEntries(r.materials.map((m) => [m.material_id, s(m.unit_cost)])),
  };
}

const num = (v: string): number | null => (v.trim() === "" ? null : Number(v));

/** The cost rates the factory sets (master data) and the prediction models trained from
 * history, with how well each did against the plan and the product mean. */
export function CostRatesPage() {
  const rates = useApi(getCostRates, []);
  const models = useApi(listModels, []);
  const canWrite = useCan("masterdata:write");
  const denied = useDeniedReason("masterdata:write");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [queued, setQueued] = useState<number | null>(null);
  const r = rates.data;
  const d = draft ?? (r ? draftOf(r) : null);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!r || !d) return;
    setError(undefined);
    setSaved(false);
    try {
      const out = await putCostRates({
        currency: d.currency.trim().toUpperCase(), labour_per_h: Number(d.labour), machine_per_h: Number(d.machine), version: r.version,
        lines: r.lines.map((l) => ({ line_id: l.line_id, labour_per_h: num(d.lines[l.line_id]?.labour ?? ""), machine_per_h: num(d.lines[l.line_id]?.machine ?? "") }))
          .filter((l) => l.labour_per_h !== null || l.machine_per_h !== null),
        materials: r.materials.filter((m) => (d.materials[m.material_id] ?? "").trim() !== "")
          .map((m) => ({ material_id: m.material_id, unit_cost: Number(d.materials[m.material_id]) })),
      });
      setDraft(draftOf(out));
      rates.reload();
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  const train = async () => {
    setError(undefined);
    try {
      setQueued((await trainModels()).job_id);
    } catch (err) {
      setError(err);
    }
  };

  const header = <PageHeader title={t("Costs and predictions")} subtitle={<>{t("The rates that price predicted order costs, and the models that predict scrap and rework.")} · {zoneLabel()}</>} />;
  if (rates.error) return <>{header}<ErrorState error={rates.error} onRetry={rates.reload} /></>;
  if (!r || !d) return <>{header}<Loading /></>;
  const edit = (next: Partial<Draft>) => { setDraft({ ...d, ...next }); setSaved(false); };
  const ro = !canWrite;
  return (
    <>
      {header}
      <form className="panel" onSubmit={save} data-testid="cost-rates">
        <h2 className="panel-title">{t("Cost rates")}</h2>
        <div className="form-row">
          <div className="field narrow">
            <label htmlFor="cr-currency">{t("Currency")}</label>
            <input id="cr-currency" className="input" value={d.currency} maxLength={3} readOnly={ro} onChange={(e) => edit({ currency: e.target.value })} required />
          </div>
          <div className="field">
            <label htmlFor="cr-labour">{t("Labour per line hour")}</label>
            <input id="cr-labour" className="input" type="number" min={0} step="any" value={d.labour} readOnly={ro} onChange={(e) => edit({ labour: e.target.value })} required />
          </div>
          <div className="field">
            <label htmlFor="cr-machine">{t("Machine time per line hour")}</label>
            <input id="cr-machine" className="input" type="number" min={0} step="any" value={d.machine} readOnly={ro} onChange={(e) => edit({ machine: e.target.value })} required />
          </div>
        </div>
        <h3 className="sub-title">{t("Lines")} <span className="muted">{t("(empty: the site's rate)")}</span></h3>
        <table className="table">
          <thead><tr><th>{t("Line")}</th><th>{t("Labour per hour")}</th><th>{t("Machine time per hour")}</th></tr></thead>
          <tbody>
            {r.lines.map((l) => {
              const v = d.lines[l.line_id] ?? { labour: "", machine: "" };
              const set = (k: "labour" | "machine", x: string) => edit({ lines: { ...d.lines, [l.line_id]: { ...v, [k]: x } } });
              return (
                <tr key={l.line_id}>
                  <td>{l.line_code}</td>
                  <td><input className="input" aria-label={t("{line}: labour per hour", { line: l.line_code })} type="number" min={0} step="any" value={v.labour} readOnly={ro} onChange={(e) => set("labour", e.target.value)} /></td>
                  <td><input className="input" aria-label={t("{line}: machine time per hour", { line: l.line_code })} type="number" min={0} step="any" value={v.machine} readOnly={ro} onChange={(e) => set("machine", e.target.value)} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <h3 className="sub-title">{t("Materials")} <span className="muted">{t("(cost per unit of the material; empty: not priced)")}</span></h3>
        <table className="table">
          <thead><tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Unit cost")}</th></tr></thead>
          <tbody>
            {r.materials.map((m) => (
              <tr key={m.material_id}>
                <td>{m.code}</td><td>{m.name}</td>
                <td><input className="input" aria-label={t("{material}: cost per {unit}", { material: m.code, unit: m.unit })} type="number" min={0} step="any"
                  value={d.materials[m.material_id] ?? ""} readOnly={ro} onChange={(e) => edit({ materials: { ...d.materials, [m.material_id]: e.target.value } })} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {error !== undefined && <ErrorState error={error} />}
        <div className="form-row">
          <button type="submit" className="btn btn-primary" disabled={ro} title={denied ?? undefined}>{t("Save rates")}</button>
          {saved && <span role="status" data-testid="rates-saved">{t("Saved.")}</span>}
        </div>
      </form>
      <section className="panel" data-testid="prediction-models">
        <h2 className="panel-title">{t("Scrap and rework models")}</h2>
        <p className="muted small-note">{t("Trained every night from the finished orders; each version is measured on the most recently finished orders, held out, against the plan (no scrap) and the product's mean. Errors are mean absolute units per order.")}</p>
        <div className="form-row">
          <button type="button" className="btn" onClick={train} disabled={ro} title={denied ?? undefined}>{t("Train now")}</button>
          {queued !== null && <span role="status" data-testid="train-queued">{t("Queued as job #{id}.", { id: queued })} <button type="button" className="btn-link" onClick={models.reload}>{t("Refresh")}</button></span>}
        </div>
        {models.error !== undefined && <ErrorState error={models.error} onRetry={models.reload} />}
        {models.data && models.data.length === 0 && <p className="muted">{t("No model trained yet.")}</p>}
        {models.data && models.data.length > 0 && (
          <table className="table">
            <thead><tr><th>{t("Version")}</th><th>{t("Trained")}</th><th className="num">{t("Orders")}</th><th className="num">{t("Held out")}</th>
              <th className="num">{t("Scrap error: model / plan / mean")}</th><th className="num">{t("Rework error: model / plan / mean")}</th></tr></thead>
            <tbody>
              {models.data.map((m) => {
                const ev = m.evaluation;
                const trio = (x: { model: number; plan: number; product_mean: number } | null | undefined) =>
                  x ? `${fmtDecimal(x.model, 2)} / ${fmtDecimal(x.plan, 2)} / ${fmtDecimal(x.product_mean, 2)}` : "–";
                return (
                  <tr key={m.version ?? 0} data-testid="model-row">
                    <td>{m.version}</td><td>{m.trained_at ? fmtDateTime(m.trained_at) : "–"}</td><td className="num">{m.orders}</td>
                    <td className="num">{ev?.held_out_orders ?? 0}</td><td className="num">{trio(ev?.scrap_mae)}</td><td className="num">{trio(ev?.rework_mae)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
