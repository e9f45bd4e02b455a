// Customer orders: what a customer ordered, which production orders are linked to.
// Create, rename and delete here; only a role that may write orders sees the buttons.
import { useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { ExportButton } from "../components/ExportButton";
import { Empty, ErrorState, Loading } from "../components/States";
import { customerOrdersTable } from "../exchange/tables";
import { t } from "../i18n";
import { useCan } from "../session";
import { useApi } from "../useApi";
import { createCustomerOrder, deleteCustomerOrder, listCustomerOrders, updateCustomerOrder, type CustomerOrder } from "./api";

function problemText(e: unknown): string {
  if (!(e instanceof ApiError)) return String(e);
  if (e.status === 409 && e.fieldMessage("number")) return t("A customer order with this number exists already.");
  if (e.status === 409 && e.fieldMessage("version")) return t("This customer order was changed by someone else since you opened it; reload and try again.");
  return e.detail;
}

export function CustomerOrders() {
  const list = useApi(listCustomerOrders, []);
  const may = useCan("orders:write");
  const [number, setNumber] = useState("");
  const [customer, setCustomer] = useState("");
  const [editing, setEditing] = useState<CustomerOrder | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<CustomerOrder | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(null);
    try {
      await createCustomerOrder({ number: number.trim(), customer: customer.trim() });
      setNumber("");
      setCustomer("");
      list.reload();
    } catch (err) {
      setProblem(problemText(err));
    }
  };
  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!editing) return;
    setProblem(null);
    try {
      await updateCustomerOrder(editing.id, { number: editing.number.trim(), customer: editing.customer.trim(), version: editing.version });
      setEditing(null);
      list.reload();
    } catch (err) {
      setProblem(problemText(err));
    }
  };
  const remove = async (c: CustomerOrder) => {
    setProblem(null);
    try {
      await deleteCustomerOrder(c.id);
      list.reload();
    } catch (err) {
      setProblem(problemText(err));
    } finally {
      setConfirmDelete(null);
    }
  };

  return (
    <section className="panel" data-testid="customer-orders">
      <h2 className="panel-title">{t("Customer orders")}{" "}
        {list.data && list.data.length > 0 && <ExportButton label={t("Customer orders")} table={() => customerOrdersTable(list.data!)} />}
      </h2>
      {may && (
        <form className="form-row" onSubmit={create}>
          <div className="field">
            <label htmlFor="co-number">{t("Customer order number")}</label>
            <input id="co-number" className="input" required maxLength={60} value={number} onChange={(e) => setNumber(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="co-customer">{t("Customer")}</label>
            <input id="co-customer" className="input" required maxLength={200} value={customer} onChange={(e) => setCustomer(e.target.value)} />
          </div>
          <button type="submit" className="btn btn-primary">{t("Add customer order")}</button>
        </form>
      )}
      {problem && <div className="move-feedback fb-refused" role="alert">{problem}</div>}
      {list.error !== undefined && <ErrorState error={list.error} onRetry={list.reload} />}
      {!list.data && list.error === undefined && <Loading />}
      {list.data && list.data.length === 0 && <Empty>{t("No customer orders yet.")}</Empty>}
      {list.data && list.data.length > 0 && (
        <form onSubmit={save}>
          <table className="table">
            <thead><tr><th>{t("Number")}</th><th>{t("Customer")}</th>{may && <th />}</tr></thead>
            <tbody>
              {list.data.map((c) => editing?.id === c.id ? (
                <tr key={c.id} data-testid="customer-order-row">
                  <td><input className="input" aria-label={t("Customer order number")} required value={editing.number}
                    onChange={(e) => setEditing({ ...editing, number: e.target.value })} /></td>
                  <td><input className="input" aria-label={t("Customer")} required value={editing.customer}
                    onChange={(e) => setEditing({ ...editing, customer: e.target.value })} /></td>
                  <td key="editing" className="row-actions">
                    <button type="button" className="btn btn-primary btn-small" onClick={() => save()}>{t("Save")}</button>
                    <button type="button" className="btn btn-small" onClick={() => setEditing(null)}>{t("Close")}</button>
                  </td>
                </tr>
              ) : (
                <tr key={c.id} data-testid="customer-order-row">
                  <td className="strong">{c.number}</td>
                  <td>{c.customer}</td>
                  {may && (
                    <td key="reading" className="row-actions">
                      <button type="button" className="btn btn-small" onClick={() => setEditing(c)}
                        aria-label={t("Edit {number}", { number: c.number })}>{t("Edit")}</button>
                      <button type="button" className="btn btn-small" onClick={() => setConfirmDelete(c)}
                        aria-label={t("Delete {number}", { number: c.number })}>{t("Delete")}</button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </form>
      )}
      {confirmDelete && (
        <div className="modal-backdrop" onClick={() => setConfirmDelete(null)}>
          <div className="modal" role="dialog" aria-modal="true" aria-labelledby="co-delete-title" onClick={(e) => e.stopPropagation()}>
            <h2 id="co-delete-title">{t("Delete customer order {number}?", { number: confirmDelete.number })}</h2>
            <div className="modal-body"><p>{t("Production orders linked to it stay; they lose the link.")}</p></div>
            <div className="modal-actions">
              <button type="button" className="btn" autoFocus onClick={() => setConfirmDelete(null)}>{t("Keep it")}</button>
              <button type="button" className="btn btn-primary" onClick={() => remove(confirmDelete)}>{t("Delete")}</button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
