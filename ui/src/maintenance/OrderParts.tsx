// Spare parts used on a maintenance order. Each is an issue in the material ledger (the
// order is its cause), so stock on hand falls when one is added; removing one books the
// issue's reversal, and the list keeps it, struck through, with who took it back.
import { useState, type FormEvent } from "react";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtNumber, zoneLabel } from "../format";
import { t } from "../i18n";
import { listLocations, listMaterials, newClientRef } from "../inventory/ledger";
import { useApi } from "../useApi";
import { listParts, recordPart, removePart, type MOrder } from "./api";

export function OrderParts({ order, canExecute }: { order: MOrder; canExecute: boolean }) {
  const parts = useApi(() => listParts(order.id), [order.id]);
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
      {mayAdd && <PartForm busy={busy} onSubmit={(body) => act(() => recordPart(order.id, body))} />}
    </>
  );
}

function PartForm({ busy, onSubmit }: { busy: boolean; onSubmit: (body: Parameters<typeof recordPart>[1]) => Promise<void> }) {
  const choices = useApi(() => Promise.all([listMaterials(), listLocations()]), []);
  const [material, setMaterial] = useState("");
  const [qty, setQty] = useState("");
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
