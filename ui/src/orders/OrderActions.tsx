// Release / hold / resume / cancel for one order, on its page and in the list. Shown only
// to a role that may move orders; an action that does not fit the order's status is
// disabled with the reason in words. Cancelling asks first; a hold can be undone at once.
import { useState, type ReactNode } from "react";
import "./orders.css";
import { ApiError, getOrder, type OrderDetail, type OrderStatus } from "../api";
import { t } from "../i18n";
import { useCan } from "../session";
import { transitionOrder } from "./api";
import { ACTIONS, refusal, type OrderAction } from "./transitions";

interface Target {
  id: number;
  number: string;
  status: OrderStatus;
  version: number;
}

export function OrderActions({ order, compact, onChanged, extra }: {
  order: Target;
  compact?: boolean; // in a list row: only the actions that fit, small buttons
  onChanged: (o: OrderDetail) => void;
  extra?: ReactNode; // more buttons on the same row (the order page's Edit, Refresh)
}) {
  const may = useCan("orders:transition");
  const [busy, setBusy] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [undo, setUndo] = useState<OrderDetail | null>(null);
  if (!may) return extra ? <div className="order-actions"><div className="order-actions-row">{extra}</div></div> : null;

  const run = async (action: OrderAction, current: Target = order) => {
    const spec = ACTIONS.find((a) => a.action === action)!;
    setBusy(true);
    setProblem(null);
    setUndo(null);
    try {
      const done = await transitionOrder(current.id, spec.to, current.version);
      if (action === "hold") setUndo(done);
      onChanged(done);
    } catch (e) {
      // Someone moved the order meanwhile: say why in words, from the status it has now.
      if (e instanceof ApiError && e.status === 409) {
        const fresh = await getOrder(current.id).catch(() => null);
        if (fresh) onChanged(fresh);
        setProblem((fresh && refusal(action, fresh.status)) ?? t("This order was changed by someone else; try again."));
      } else setProblem(e instanceof ApiError ? e.detail : String(e));
    } finally {
      setBusy(false);
      setConfirmCancel(false);
    }
  };

  const shown = compact ? ACTIONS.filter((a) => a.from.includes(order.status)) : ACTIONS;
  return (
    <div className={compact ? "order-actions compact" : "order-actions"} onClick={(e) => e.stopPropagation()}>
      <div className="order-actions-row">
      {shown.map((a) => {
        const why = refusal(a.action, order.status);
        return (
          <button key={a.action} type="button" disabled={busy || why !== null} title={why ?? undefined}
            aria-label={compact ? t("{action} {number}", { action: t(a.label), number: order.number }) : undefined}
            className={`btn${compact ? " btn-small" : ""}${a.action === "cancel" ? " btn-danger-outline" : ""}`}
            onClick={() => (a.action === "cancel" ? setConfirmCancel(true) : run(a.action))}>
            {t(a.label)}
          </button>
        );
      })}
      {extra}
      </div>
      {problem && <div className="move-feedback fb-refused" role="alert" data-testid="order-action-refused">{problem}</div>}
      {undo && (
        <div className="move-feedback fb-ok" role="status" data-testid="order-held">
          <span>{t("{number} is on hold.", { number: undo.number })}</span>
          <button type="button" className="btn-link" onClick={() => run("resume", undo)}>{t("Undo")}</button>
        </div>
      )}
      {confirmCancel && (
        <div className="modal-backdrop" onClick={() => setConfirmCancel(false)}>
          <div className="modal" role="dialog" aria-modal="true" aria-labelledby="cancel-title" onClick={(e) => e.stopPropagation()}>
            <h2 id="cancel-title">{t("Cancel order {number}?", { number: order.number })}</h2>
            <div className="modal-body">
              <p>{t("Its open stages are cancelled and it leaves the plan. A cancelled order cannot be released again.")}</p>
            </div>
            <div className="modal-actions">
              <button type="button" className="btn" autoFocus onClick={() => setConfirmCancel(false)}>{t("Keep the order")}</button>
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => run("cancel")}>{t("Cancel the order")}</button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
