// New order / edit order, in a dialog. Times are typed on the site's clock (labelled).
// An edit is sent with the version the dialog was opened with; when someone changed the
// order meanwhile the server answers 409 and the dialog shows what they changed.
import { useEffect, useRef, useState, type FormEvent } from "react";
import "./orders.css";
import { ApiError, getOrder, listProducts, type OrderDetail } from "../api";
import { fmtDateTime, fmtNumber, statusLabel } from "../format";
import { siteZone } from "../site";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { createOrder, listCustomerOrders, updateOrder, type OrderUpdate } from "./api";
import { siteInput, siteIso } from "./siteTime";

interface Values {
  number: string;
  productId: string;
  quantity: string;
  due: string;
  priority: string;
  customerOrderId: string;
}

function valuesOf(o: OrderDetail | null): Values {
  const inAWeek = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 7 * 86_400_000;
  return {
    number: o?.number ?? "",
    productId: o ? String(o.product.id) : "",
    quantity: o ? String(o.quantity) : "100",
    due: siteInput(o ? o.due_date : inAWeek),
    priority: o ? String(o.priority) : "3",
    customerOrderId: o?.customer_order ? String(o.customer_order.id) : "",
  };
}

/** What someone else changed: field label, the value the dialog opened with, the value now. */
function differences(opened: OrderDetail, now: OrderDetail): [string, string, string][] {
  const co = (o: OrderDetail) => (o.customer_order ? o.customer_order.number : t("none"));
  const rows: [string, string, string][] = [
    [t("Quantity"), fmtNumber(opened.quantity), fmtNumber(now.quantity)],
    [t("Due"), fmtDateTime(opened.due_date), fmtDateTime(now.due_date)],
    [t("Priority"), String(opened.priority), String(now.priority)],
    [t("Customer order"), co(opened), co(now)],
    [t("Status"), statusLabel(opened.status), statusLabel(now.status)],
  ];
  return rows.filter(([, a, b]) => a !== b);
}

export function OrderForm({ order, onSaved, onClose }: {
  order: OrderDetail | null; // null: a new order
  onSaved: (saved: OrderDetail) => void;
  onClose: () => void;
}) {
  const products = useApi(listProducts, []);
  const customers = useApi(listCustomerOrders, []);
  const [opened, setOpened] = useState(order);
  const [v, setV] = useState(() => valuesOf(order));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [conflict, setConflict] = useState<OrderDetail | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const set = (change: Partial<Values>) => setV((old) => ({ ...old, ...change }));

  useEffect(() => {
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const productId = v.productId || String(products.data?.[0]?.id ?? "");

  const save = async (e?: FormEvent, base: OrderDetail | null = opened) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const customer = v.customerOrderId ? Number(v.customerOrderId) : null;
      if (base === null) {
        onSaved(await createOrder({
          number: v.number.trim(), product_id: Number(productId), quantity: Number(v.quantity),
          due_date: siteIso(v.due), priority: Number(v.priority), customer_order_id: customer,
        }));
        return;
      }
      const body: OrderUpdate = { version: base.version };
      const was = valuesOf(opened);
      if (v.quantity !== was.quantity) body.quantity = Number(v.quantity);
      if (v.due !== was.due) body.due_date = siteIso(v.due);
      if (v.priority !== was.priority) body.priority = Number(v.priority);
      if (v.customerOrderId !== was.customerOrderId) body.customer_order_id = customer;
      onSaved(await updateOrder(base.id, body));
    } catch (err) {
      if (base && err instanceof ApiError && err.status === 409 && err.fieldMessage("version")) {
        setConflict(await getOrder(base.id));
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string) => (error instanceof ApiError ? error.fieldMessage(name) : undefined);
  const editing = order !== null;
  const fieldError = (name: string) => {
    const m = field(name);
    return m ? <span className="field-message" role="alert">{m}</span> : null;
  };

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form className="modal order-form" role="dialog" aria-modal="true" aria-labelledby="order-form-title"
        onClick={(e) => e.stopPropagation()} onSubmit={save}>
        <h2 id="order-form-title">{editing ? t("Edit order {number}", { number: order.number }) : t("New production order")}</h2>
        <div className="modal-body order-form-grid">
          <div className="field">
            <label htmlFor="of-number">{t("Order number")}</label>
            <input id="of-number" ref={first} className="input" value={v.number} required maxLength={60}
              disabled={editing} onChange={(e) => set({ number: e.target.value })} aria-invalid={field("number") ? true : undefined} />
            {fieldError("number")}
          </div>
          <div className="field">
            <label htmlFor="of-product">{t("Product")}</label>
            <select id="of-product" className="input" value={productId} disabled={editing}
              onChange={(e) => set({ productId: e.target.value })}>
              {products.data?.map((p) => <option key={p.id} value={p.id}>{p.code} · {p.name}</option>)}
            </select>
            {fieldError("product_id")}
          </div>
          <div className="field">
            <label htmlFor="of-qty">{t("Quantity")}</label>
            <input id="of-qty" className="input" type="number" min={1} max={10_000_000} required value={v.quantity}
              onChange={(e) => set({ quantity: e.target.value })} aria-invalid={field("quantity") ? true : undefined} />
            {fieldError("quantity")}
          </div>
          <div className="field">
            <label htmlFor="of-due">{t("Due date ({zone})", { zone: siteZone() })}</label>
            <input id="of-due" className="input" type="datetime-local" required value={v.due}
              onChange={(e) => set({ due: e.target.value })} aria-invalid={field("due_date") ? true : undefined} />
            {fieldError("due_date")}
          </div>
          <div className="field">
            <label htmlFor="of-prio">{t("Priority")}</label>
            <select id="of-prio" className="input" value={v.priority} onChange={(e) => set({ priority: e.target.value })}>
              {[1, 2, 3, 4, 5].map((p) => <option key={p} value={p}>{p === 1 ? t("1 (most urgent)") : p}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="of-customer">{t("Customer order")}</label>
            <select id="of-customer" className="input" value={v.customerOrderId} onChange={(e) => set({ customerOrderId: e.target.value })}>
              <option value="">{t("none")}</option>
              {customers.data?.map((c) => <option key={c.id} value={c.id}>{c.number} · {c.customer}</option>)}
            </select>
            {fieldError("customer_order_id")}
          </div>
        </div>
        {conflict && opened && (
          <div className="move-feedback fb-refused" role="alert" data-testid="edit-conflict">
            <strong>{t("This order was changed by someone else since you opened it.")}</strong>
            <ul>
              {differences(opened, conflict).map(([label, a, b]) => <li key={label}>{t("{field}: {before} → {now}", { field: label, before: a, now: b })}</li>)}
            </ul>
            <div className="modal-actions">
              <button type="button" className="btn" onClick={() => { setOpened(conflict); setV(valuesOf(conflict)); setConflict(null); }}>
                {t("Discard mine and show theirs")}
              </button>
              <button type="button" className="btn btn-primary" disabled={busy}
                onClick={() => { const now = conflict; setConflict(null); setOpened(now); void save(undefined, now); }}>
                {t("Save mine over theirs")}
              </button>
            </div>
          </div>
        )}
        {error !== undefined && !field("number") && !field("quantity") && !field("due_date") && (
          <div className="move-feedback fb-refused" role="alert">{error instanceof ApiError ? error.detail : String(error)}</div>
        )}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>{t("Close")}</button>
          <button type="submit" className="btn btn-primary" disabled={busy || conflict !== null}>
            {editing ? t("Save changes") : t("Create order")}
          </button>
        </div>
      </form>
    </div>
  );
}
