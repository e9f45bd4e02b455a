import { useState, type FormEvent } from "react";
import type { Product } from "../api";
import { ErrorState } from "../components/States";
import { fmtNumber } from "../format";
import { t, msg } from "../i18n";
import "./ledger.css";
import { useCan, useDeniedReason } from "../session";
import {
  adjustStock, countStock, newClientRef, receiveStock, reverseMovement, transferStock,
  LOCATION_KIND_LABEL, type Material, type Movement, type StockLocation,
} from "./ledger";

export type FormKind = "receive" | "transfer" | "adjust" | "count";
const TABS: { kind: FormKind; label: string }[] = [
  { kind: "receive", label: msg("Receive") },
  { kind: "transfer", label: msg("Transfer") },
  { kind: "adjust", label: msg("Adjust") },
  { kind: "count", label: msg("Count") },
];

/** A delivery the receive form books against (from the deliveries list). */
export interface ReceiptTarget { id: number; material_id: number; open: number; reference: string }

interface Props {
  materials: Material[];
  products: Product[];
  locations: StockLocation[];
  receipt?: ReceiptTarget | null;
  onBooked: () => void;
}

const locationName = (l: StockLocation) => `${l.code} — ${l.name} (${t(LOCATION_KIND_LABEL[l.kind] ?? l.kind)})`;

/** Receive, transfer, adjust and count: big fields and buttons for a tablet in the store. */
export function StockForms({ materials, products, locations, receipt, onBooked }: Props) {
  const [tab, setTab] = useState<FormKind>("receive");
  const mayReceive = useCan("inventory:receive");
  const mayWrite = useCan("inventory:write");
  const receiveDenied = useDeniedReason("inventory:receive");
  const writeDenied = useDeniedReason("inventory:write");
  const allowed = (k: FormKind) => (k === "receive" ? mayReceive : mayWrite);
  if (!mayReceive && !mayWrite) return null;
  const current = allowed(tab) ? tab : TABS.find((x) => allowed(x.kind))!.kind;
  return (
    <section className="panel ledger-forms" data-testid="stock-forms">
      <h2 className="panel-title">{t("Book stock")}</h2>
      <div className="filter-chips" role="tablist" aria-label={t("Book stock")}>
        {TABS.map((x) => (
          <button key={x.kind} type="button" role="tab" aria-selected={current === x.kind}
            className={`filter-chip${current === x.kind ? " on" : ""}`} disabled={!allowed(x.kind)}
            title={allowed(x.kind) ? undefined : (x.kind === "receive" ? receiveDenied : writeDenied) ?? undefined}
            onClick={() => setTab(x.kind)}>
            {t(x.label)}
          </button>
        ))}
      </div>
      {current === "receive" && <ReceiveForm key={receipt?.id ?? "free"} materials={materials} locations={locations} receipt={receipt} onBooked={onBooked} />}
      {current !== "receive" && <MoveForm key={current} kind={current} materials={materials} products={products} locations={locations} onBooked={onBooked} />}
    </section>
  );
}

function ReceiveForm({ materials, locations, receipt, onBooked }: Omit<Props, "products">) {
  const store = locations.find((l) => l.kind === "store");
  const [material, setMaterial] = useState(receipt ? String(receipt.material_id) : "");
  const [qty, setQty] = useState(receipt ? String(receipt.open) : "");
  const [lot, setLot] = useState("");
  const [unit, setUnit] = useState("");
  const [location, setLocation] = useState(store ? String(store.id) : "");
  const [review, setReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<Movement | null>(null);
  const [ref, setRef] = useState(newClientRef);
  const mat = materials.find((m) => String(m.id) === material);
  const loc = locations.find((l) => String(l.id) === location);

  const book = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const moved = await receiveStock({
        material_id: Number(material), qty: Number(qty), lot: lot.trim(), unit: unit.trim() || null,
        location_id: location ? Number(location) : null, receipt_id: receipt?.id ?? null, client_ref: ref,
      });
      setDone(moved);
      setReview(false);
      setRef(newClientRef());
      onBooked();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const undo = async (m: Movement) => {
    setBusy(true);
    setError(undefined);
    try {
      await reverseMovement(m.id, t("Undone right after receiving"));
      setDone(null);
      onBooked();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setReview(true);
  };
  const valid = material !== "" && Number(qty) > 0;

  return (
    <form className="md-form" aria-label={t("Receive")} onSubmit={submit} noValidate>
      {receipt && <p className="muted">{t("Against delivery {reference}: {open} still open.", { reference: receipt.reference || `#${receipt.id}`, open: fmtNumber(receipt.open) })}</p>}
      <div className="md-fields ledger-fields">
        <label className="field"><span>{t("Material")}</span>
          <select className="input" value={material} onChange={(e) => { setMaterial(e.target.value); setReview(false); }} disabled={!!receipt}>
            <option value="">{t("Choose…")}</option>
            {materials.map((m) => <option key={m.id} value={String(m.id)}>{m.code} — {m.name}</option>)}
          </select>
        </label>
        <label className="field"><span>{t("Quantity")}</span>
          <input className="input" inputMode="decimal" value={qty} onChange={(e) => { setQty(e.target.value); setReview(false); }} />
        </label>
        <UnitField value={unit} base={mat?.unit} onChange={(v) => { setUnit(v); setReview(false); }} />
        <label className="field"><span>{t("Lot")}</span>
          <input className="input" value={lot} onChange={(e) => { setLot(e.target.value); setReview(false); }} placeholder={t("e.g. reel or batch number")} />
        </label>
        <label className="field"><span>{t("Location")}</span>
          <select className="input" value={location} onChange={(e) => { setLocation(e.target.value); setReview(false); }}>
            <option value="">{t("The site's store")}</option>
            {locations.map((l) => <option key={l.id} value={String(l.id)}>{locationName(l)}</option>)}
          </select>
        </label>
      </div>
      {error !== undefined && <ErrorState error={error} />}
      {!review && <button type="submit" className="btn btn-primary btn-large" disabled={!valid}>{t("Review")}</button>}
      {review && mat && (
        <div className="ledger-confirm" role="group" aria-label={t("Confirm the receipt")}>
          <p>{t("Receive {qty} {unit} of {material}, lot {lot}, into {location}?", {
            qty: fmtNumber(Number(qty)), unit: unit.trim() || mat.unit, material: mat.code, lot: lot.trim() || t("none"), location: loc ? loc.name : t("the site's store"),
          })}</p>
          <button type="button" className="btn btn-primary btn-large" onClick={book} disabled={busy}>{busy ? t("Receiving…") : t("Confirm receipt")}</button>
          <button type="button" className="btn btn-large" onClick={() => setReview(false)} disabled={busy}>{t("Back")}</button>
        </div>
      )}
      {done && (
        <div className="ledger-done" role="status" data-testid="receipt-confirmation">
          <span>{t("Booked: {qty} {unit} of {material}, lot {lot} (movement {id}).", {
            qty: fmtNumber(done.qty), unit: done.item.unit, material: done.item.code, lot: done.lot || t("none"), id: done.id,
          })}</span>{" "}
          <button type="button" className="btn" onClick={() => undo(done)} disabled={busy}>{t("Undo")}</button>
        </div>
      )}
    </form>
  );
}

function MoveForm({ kind, materials, products, locations, onBooked }: Omit<Props, "receipt"> & { kind: Exclude<FormKind, "receive"> }) {
  const [item, setItem] = useState("");
  const [qty, setQty] = useState("");
  const [lot, setLot] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const [unit, setUnit] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<Movement | null>(null);
  const [ref, setRef] = useState(newClientRef);
  const [itemKind, itemId] = item.split(":");
  const base = itemKind === "m" ? materials.find((m) => String(m.id) === itemId)?.unit : itemKind === "p" ? "pcs" : undefined;
  const u = unit.trim() || null;
  const ids = itemKind === "m" ? { material_id: Number(itemId), product_id: null } : { material_id: null, product_id: Number(itemId) };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      let moved: Movement;
      if (kind === "transfer") {
        moved = await transferStock({ ...ids, qty: Number(qty), lot: lot.trim(), from_location_id: Number(from), to_location_id: Number(to), unit: u, reason: reason.trim(), client_ref: ref });
      } else if (kind === "adjust") {
        moved = await adjustStock({ ...ids, location_id: Number(from), lot: lot.trim(), delta: Number(qty), reason, unit: u, client_ref: ref });
      } else {
        moved = await countStock({ ...ids, location_id: Number(from), lot: lot.trim(), counted: Number(qty), reason, unit: u, client_ref: ref });
      }
      setDone(moved);
      setRef(newClientRef());
      onBooked();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const qtyLabel = kind === "adjust" ? t("Change (+/−)") : kind === "count" ? t("Counted") : t("Quantity");
  const valid = item !== "" && qty.trim() !== "" && from !== "" && (kind !== "transfer" || to !== "") && (kind === "transfer" || reason.trim() !== "");
  return (
    <form className="md-form" aria-label={t(TABS.find((x) => x.kind === kind)!.label)} onSubmit={submit} noValidate>
      <div className="md-fields ledger-fields">
        <label className="field"><span>{t("Item")}</span>
          <select className="input" value={item} onChange={(e) => setItem(e.target.value)}>
            <option value="">{t("Choose…")}</option>
            <optgroup label={t("Materials")}>
              {materials.map((m) => <option key={`m${m.id}`} value={`m:${m.id}`}>{m.code} — {m.name}</option>)}
            </optgroup>
            <optgroup label={t("Finished goods")}>
              {products.map((p) => <option key={`p${p.id}`} value={`p:${p.id}`}>{p.code} — {p.name}</option>)}
            </optgroup>
          </select>
        </label>
        <label className="field"><span>{kind === "transfer" ? t("From") : t("Location")}</span>
          <select className="input" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value="">{t("Choose…")}</option>
            {locations.map((l) => <option key={l.id} value={String(l.id)}>{locationName(l)}</option>)}
          </select>
        </label>
        {kind === "transfer" && (
          <label className="field"><span>{t("To")}</span>
            <select className="input" value={to} onChange={(e) => setTo(e.target.value)}>
              <option value="">{t("Choose…")}</option>
              {locations.map((l) => <option key={l.id} value={String(l.id)}>{locationName(l)}</option>)}
            </select>
          </label>
        )}
        <label className="field"><span>{t("Lot")}</span>
          <input className="input" value={lot} onChange={(e) => setLot(e.target.value)} />
        </label>
        <label className="field"><span>{qtyLabel}</span>
          <input className="input" inputMode="decimal" value={qty} onChange={(e) => setQty(e.target.value)} />
        </label>
        <UnitField value={unit} base={base} onChange={setUnit} />
        <label className="field"><span>{kind === "transfer" ? t("Reason (optional)") : t("Reason")}</span>
          <input className="input" value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
      </div>
      {error !== undefined && <ErrorState error={error} />}
      <button type="submit" className="btn btn-primary btn-large" disabled={!valid || busy}>{t("Book")}</button>
      {done && <div className="ledger-done" role="status" data-testid="move-confirmation">{t("Booked: {qty} {unit} of {item} (movement {id}).", { qty: fmtNumber(done.qty), unit: done.item.unit, item: done.item.code, id: done.id })}{done.flagged && <div className="ledger-negative">{t("This took stock below zero; it is listed among the flagged movements.")}</div>}</div>}
    </form>
  );
}

// Units people type often; the server converts any unit it knows (docs/inventory.md).
const COMMON_UNITS = ["pcs", "reel", "box", "kg", "g", "mg", "m", "mm", "l", "ml"];

/** The unit a quantity is entered in; empty: the item's own unit (converted by the server). */
function UnitField({ value, base, onChange }: { value: string; base?: string; onChange: (v: string) => void }) {
  return (
    <label className="field ledger-unit"><span>{t("Unit")}</span>
      <input className="input" list="ledger-units" value={value} onChange={(e) => onChange(e.target.value)}
        placeholder={base ?? ""} aria-describedby="ledger-unit-hint" />
      <datalist id="ledger-units">{COMMON_UNITS.map((x) => <option key={x} value={x} />)}</datalist>
      <small id="ledger-unit-hint" className="sub">{base ? t("empty: {unit}", { unit: base }) : ""}</small>
    </label>
  );
}
