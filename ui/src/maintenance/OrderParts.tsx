// Spare parts used on a maintenance order. Each is an issue in the material ledger (the
// order is its cause), so stock on hand falls when one is added; removing one books the
// issue's reversal, and the list keeps it, struck through, with who took it back.
import { useState, type FormEvent } from "react";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtNumber, zoneLabel } from "../format";
import { t } from "../i18n";
import { listLocations, listMaterials, newClientRef } from "../inventory/ledger";
import { useApi } from "../useApi";
import { listParts, recordPart, removePart, type MOrder, type PlanPart } from "./api";

export function OrderParts({ order, canExecute, expected }: { order: MOrder; canExecute: boolean; expected: PlanPart[] }) {
  const parts = useApi(() => listParts(order.id), [order.id]);
  // The plan's expected part chosen to book: it fills the form in (a fresh form each time).
  const [preset, setPreset] = useState<PlanPart>();
  const [failed, setFailed] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setFailed(undefined);
    try {
      await action();
    } catch (err) {
      setFailed(err);
    } finally {
      setBusy(false);
    }
    parts.reload();
  };
  // Parts are booked once work is planned into a window or under way (as labour is).
  const mayAdd = canExecute && ["scheduled", "in_progress", "done"].includes(order.status);
  return (
    <>
      <h4>{t("Spare parts")}</h4>
      {failed !== undefined && <ErrorState error={failed} />}
      {!parts.data ? <Loading /> : parts.data.length === 0 ? <p className="muted">{t("No spare parts used.")}</p> : (
        <table className="table" data-testid="maint-parts">
          <thead>
            <tr>
              <th>{t("Item")}</th><th className="num">{t("Quantity")}</th><th>{t("Lot")}</th><th>{t("Location")}</th>
              <th>{t("Who")}</th><th>{t("When ({zone})", { zone: zoneLabel() })}</th><th />
            </tr>
          </thead>
          <tbody>
            {parts.data.map((p) => (
              <tr key={p.id} data-part={p.material_code} data-removed={p.removed ? "yes" : "no"} className={p.removed ? "maint-part-removed" : undefined}>
                <td><span className="mono">{p.material_code}</span> <span className="muted">{p.material_name}</span></td>
                <td className="num">{fmtNumber(p.qty)} {p.unit}</td>
                <td className="mono">{p.lot || <span className="muted">—</span>}</td>
                <td>{p.location_name || p.location_code}</td>
                <td>{p.by}</td>
                <td>{fmtDateTime(p.at)}{p.removed && <div className="sub">{t("Removed by {who}, {when}", { who: p.removed_by ?? "", when: fmtDateTime(p.removed_at) })}</div>}</td>
                <td className="num">{canExecute && !p.removed && (
                  <button type="button" className="btn btn-small" disabled={busy} onClick={() => void act(() => removePart(order.id, p.id))}
                    title={t("Booked by mistake: put it back into stock")}>{t("Remove")}</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {expected.length > 0 && <ExpectedParts expected={expected} onUse={mayAdd ? setPreset : undefined} />}
      {mayAdd && <PartForm key={preset ? `${preset.material_id}:${preset.qty}` : "free"} preset={preset} busy={busy}
        onSubmit={(body) => act(() => recordPart(order.id, body))} />}
    </>
  );
}

/** The parts the order's plan expects; "Use" fills the form in with one. */
function ExpectedParts({ expected, onUse }: { expected: PlanPart[]; onUse?: (p: PlanPart) => void }) {
  const materials = useApi(listMaterials, []);
  const code = (id: number) => materials.data?.find((m) => m.id === id)?.code ?? `#${id}`;
  return (
    <p data-testid="maint-expected-parts">
      <span className="muted">{t("Expected by the plan:")}</span>{" "}
      {expected.map((p) => (
        <span key={p.material_id} className="maint-expected">
          <span className="mono">{code(p.material_id)}</span> {fmtNumber(p.qty)}{" "}
          {onUse && <button type="button" className="btn btn-small" onClick={() => onUse(p)}>{t("Use")}</button>}
        </span>
      ))}
    </p>
  );
}

function PartForm({ busy, preset, onSubmit }: {
  busy: boolean; preset?: PlanPart; onSubmit: (body: Parameters<typeof recordPart>[1]) => Promise<void>;
}) {
  const choices = useApi(() => Promise.all([listMaterials(), listLocations()]), []);
  const [material, setMaterial] = useState(preset ? String(preset.material_id) : "");
  const [qty, setQty] = useState(preset ? String(preset.qty) : "");
  const [lot, setLot] = useState("");
  const [location, setLocation] = useState("");
  // One id per filled-in form: sent twice (a double tap, a retry), it books once.
  const [ref, setRef] = useState(newClientRef);
  if (!choices.data) return choices.error ? <ErrorState error={choices.error} onRetry={choices.reload} /> : null;
  const [materials, locations] = choices.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!material || !(Number(qty) > 0)) return;
    void onSubmit({
      material_id: Number(material), qty: Number(qty), lot: lot.trim(),
      location_id: location ? Number(location) : null, client_ref: ref,
    }).then(() => { setQty(""); setLot(""); setRef(newClientRef()); });
  };
  return (
    <form className="maint-toolbar" onSubmit={submit} data-testid="part-form">
      <label className="field"><span>{t("Part")}</span>
        <select className="input" value={material} onChange={(e) => setMaterial(e.target.value)} data-testid="part-material">
          <option value="">{t("Choose…")}</option>
          {materials.map((m) => <option key={m.id} value={m.id}>{m.code} — {m.name}</option>)}
        </select>
      </label>
      <label className="field"><span>{t("Quantity")}</span>
        <input className="input" type="number" min={0} step="any" value={qty} onChange={(e) => setQty(e.target.value)} data-testid="part-qty" />
      </label>
      <label className="field"><span>{t("Lot (optional)")}</span>
        <input className="input" value={lot} maxLength={80} onChange={(e) => setLot(e.target.value)} data-testid="part-lot" />
      </label>
      <label className="field"><span>{t("Taken from")}</span>
        <select className="input" value={location} onChange={(e) => setLocation(e.target.value)} data-testid="part-location">
          <option value="">{t("The site's store")}</option>
          {locations.map((l) => <option key={l.id} value={l.id}>{l.code} — {l.name}</option>)}
        </select>
      </label>
      <button type="submit" className="btn" disabled={busy || !material || !(Number(qty) > 0)}>{t("Add part")}</button>
    </form>
  );
}
