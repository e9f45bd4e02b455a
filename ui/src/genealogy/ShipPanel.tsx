import { useState, type FormEvent } from "react";
import { post } from "../api";
import type { components } from "../api.gen";
import { ErrorState, Loading } from "../components/States";
import { fmtNumber } from "../format";
import { t } from "../i18n";
import { newClientRef, reverseMovement } from "../inventory/ledger";
import { listCustomerOrders } from "../orders/api";
import { useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import type { TraceNode } from "./api";

type Shipment = components["schemas"]["ShipmentOut"];

/** Ship finished goods of the selected lot to a customer order: check, then book; the
 *  booked shipment can be undone at once (a reversal movement, never an edit). */
export function ShipPanel({ lot, onShipped }: { lot: Pick<TraceNode, "item" | "lot">; onShipped: () => void }) {
  const mayShip = useCan("inventory:write");
  const denied = useDeniedReason("inventory:write");
  const orders = useApi(() => listCustomerOrders(), []);
  const [order, setOrder] = useState("");
  const [qty, setQty] = useState("");
  const [review, setReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<Shipment | null>(null);
  const [ref, setRef] = useState(newClientRef);
  if (lot.item.kind !== "product") return null;
  if (!mayShip) return <p className="muted" data-testid="ship-denied">{denied}</p>;
  if (orders.error) return <ErrorState error={orders.error} onRetry={orders.reload} />;
  if (!orders.data) return <Loading />;
  const chosen = orders.data.find((o) => String(o.id) === order);
  const valid = chosen !== undefined && Number(qty) > 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setReview(true);
  };
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onShipped();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const book = () => run(async () => {
    const shipped = await post<Shipment>("/shipments", {
      product_id: lot.item.id, lot: lot.lot, qty: Number(qty), customer_order_id: Number(order), client_ref: ref,
    });
    setDone(shipped);
    setReview(false);
    setRef(newClientRef());
  });
  const undo = (s: Shipment) => run(async () => {
    await reverseMovement(s.movement_id, t("Shipment undone right after booking"));
    setDone(null);
  });

  return (
    <section className="panel" data-testid="ship-panel">
      <h2 className="panel-title">{t("Ship this lot")}</h2>
      <form className="md-form" aria-label={t("Ship this lot")} onSubmit={submit} noValidate>
        <div className="md-fields ledger-fields">
          <label className="field"><span>{t("Customer order")}</span>
            <select className="input" value={order} onChange={(e) => { setOrder(e.target.value); setReview(false); }}>
              <option value="">{t("Choose…")}</option>
              {orders.data.map((o) => <option key={o.id} value={String(o.id)}>{o.number} — {o.customer}</option>)}
            </select>
          </label>
          <label className="field"><span>{t("Quantity")}</span>
            <input className="input" inputMode="decimal" value={qty} onChange={(e) => { setQty(e.target.value); setReview(false); }} />
          </label>
        </div>
        {error !== undefined && <ErrorState error={error} />}
        {!review && <button className="btn btn-primary btn-large" type="submit" disabled={!valid || busy}>{t("Review")}</button>}
        {review && chosen && (
          <div className="ledger-confirm" role="group" aria-label={t("Confirm the shipment")}>
            <p>{t("Ship {qty} of {item} lot {lot} to {order} ({customer})?", { qty: fmtNumber(Number(qty)), item: lot.item.code, lot: lot.lot, order: chosen.number, customer: chosen.customer })}</p>
            <button className="btn btn-primary btn-large" type="button" onClick={book} disabled={busy}>{t("Book shipment")}</button>
            <button className="btn btn-large" type="button" onClick={() => setReview(false)} disabled={busy}>{t("Back")}</button>
          </div>
        )}
        {done && (
          <div className="ledger-done" role="status" data-testid="ship-done">
            <p>{t("Shipped {qty} to {order}.", { qty: fmtNumber(done.qty), order: done.customer_order })}</p>
            <button className="btn" type="button" onClick={() => undo(done)} disabled={busy}>{t("Undo")}</button>
          </div>
        )}
      </form>
    </section>
  );
}
