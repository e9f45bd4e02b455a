import { useState } from "react";
import { getOrder, getOrderByNumber, type Operation, type OrderDetail } from "../api";
import { Chip, LateBadge, StatusBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { ProgressBar } from "../components/ProgressBar";
import { ErrorState, Loading, StaleNotice } from "../components/States";
import { fmtDateTimeIn, fmtNumber, fmtRelative, fmtSpan, zoneLabel } from "../format";
import { useApi, usePolling } from "../useApi";
import { t } from "../i18n";
import { OrderActions } from "../orders/OrderActions";
import { OrderForm } from "../orders/OrderForm";
import { OrderMaterials } from "../inventory/OrderMaterials";
import { OrderDelivery } from "../delivery/OrderDelivery";
import { OrderPrediction } from "../delivery/OrderPrediction";
import "../delivery/delivery.css";
import { useCan, useDeniedReason } from "../session";

/** `/orders/42` by id, `/orders/PO-26004` by number (links from reports and people). */
export function OrderDetailPage({ id }: { id: string }) {
  const order = useApi(() => (/^\d+$/.test(id) ? getOrder(Number(id)) : getOrderByNumber(id)), [id]);
  const mayEdit = useCan("orders:write");
  const editDenied = useDeniedReason("orders:write");
  const [editing, setEditing] = useState(false);
  usePolling(order.reload, 15_000);
  const back = (
    <Link to="/orders" className="back-link">
      <Icon name="back" size={16} /> {t("Orders")}
    </Link>
  );
  if (order.error && !order.data) return <>{back}<ErrorState error={order.error} onRetry={order.reload} /></>;
  if (!order.data) return <>{back}<Loading label={t("Loading order…")} /></>;
  const o = order.data;
  return (
    <>
      <PageHeader
        back={back}
        title={<span className="title-with-badges">{o.number} <StatusBadge status={o.status} />{o.late && <LateBadge />}</span>}
        subtitle={
          <>
            {o.product.code} — {o.product.name}
            <span className="muted" data-testid="time-zone"> · {zoneLabel(o.site_timezone ?? undefined)}</span>
          </>
        }
        actions={
          <OrderActions order={o} onChanged={order.reload} extra={
            <>
              {mayEdit ? (
                <button type="button" className="btn" onClick={() => setEditing(true)}
                  disabled={o.status === "completed" || o.status === "cancelled"}
                  title={o.status === "cancelled" ? t("A cancelled order cannot be changed.") : o.status === "completed" ? t("A completed order cannot be changed.") : undefined}>
                  {t("Edit")}
                </button>
              ) : (
                <button type="button" className="btn" disabled title={editDenied ?? undefined}>{t("Edit")}</button>
              )}
              <button type="button" className="btn" onClick={order.reload} disabled={order.loading}>
                {t("Refresh")}
              </button>
            </>
          } />
        }
      />
      {editing && <OrderForm order={o} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); order.reload(); }} />}
      {order.error !== undefined && <StaleNotice error={order.error} onRetry={order.reload} />}
      <OrderFacts order={o} />
      {(o.status !== "completed" && o.status !== "cancelled") && <OrderDelivery orderId={o.id} zone={o.site_timezone} refreshKey={o} />}
      {(o.status !== "completed" && o.status !== "cancelled") && <OrderPrediction orderId={o.id} zone={o.site_timezone} refreshKey={o} />}
      <section className="panel">
        <h2 className="panel-title">{t("Stages")}</h2>
        {o.operations.length === 0 ? (
          <p className="muted">{t("This order has no operations.")}</p>
        ) : (
          <ol className="timeline" aria-label={t("Stage timeline")}>
            {o.operations.map((op) => (
              <StageStep key={op.id} op={op} current={o.current_stage?.seq === op.seq} zone={o.site_timezone} />
            ))}
          </ol>
        )}
      </section>
      <OrderMaterials orderId={o.id} refreshKey={o} />
    </>
  );
}

/** How the order's finish compares to its due date, in words (the server's one verdict). */
function latenessText(o: OrderDetail): string {
  if (o.late_by_s === null) return o.status === "cancelled" ? t("Cancelled") : t("Not in the published plan yet");
  const span = fmtSpan(o.late_by_s);
  const early = o.late_by_s <= 0;
  switch (o.finish_basis) {
    case "actual":
      return early ? t("Completed {span} before due", { span }) : t("Completed late by {span}", { span });
    case "now":
      return o.planned_finish
        ? t("Late by {span} so far — the plan's finish has passed", { span })
        : t("Late by {span} so far — not in the published plan", { span });
    default:
      return early ? t("{span} before due", { span }) : t("Late by {span}", { span });
  }
}

function OrderFacts({ order: o }: { order: OrderDetail }) {
  const done = o.status === "completed";
  const zone = o.site_timezone;
  return (
    <dl className="facts">
      <div className={`fact${o.late ? " fact-late" : ""}`} data-testid="due-date">
        <dt>{t("Due")}</dt>
        <dd>{fmtDateTimeIn(o.due_date, zone)}</dd>
        <dd className="sub">{done ? (o.late ? t("Completed late") : t("Completed on time"))
          : o.late && Date.parse(o.due_date) <= Date.now() ? t("Late — due {when}", { when: fmtRelative(o.due_date) })
          : t("Due {when}", { when: fmtRelative(o.due_date) })}</dd>
      </div>
      <div className={`fact${o.late ? " fact-late" : ""}`} data-testid="planned-finish">
        <dt>{done ? t("Finished") : t("Planned finish")}</dt>
        <dd>
          {done ? fmtDateTimeIn(o.completed_at, zone)
            : o.planned_finish ? fmtDateTimeIn(o.planned_finish, zone)
            : <span className="muted">{t("Not planned")}</span>}
        </dd>
        <dd className="sub" data-testid="lateness">{latenessText(o)}</dd>
      </div>
      {o.eta && (
        <div className="fact" data-testid="eta">
          <dt>{t("Estimated finish")}</dt>
          <dd>{fmtDateTimeIn(o.eta, zone)}</dd>
        </div>
      )}
      <div className="fact">
        <dt>{t("Quantity")}</dt>
        <dd>{fmtNumber(o.quantity)}</dd>
      </div>
      <div className="fact fact-wide">
        <dt>{t("Progress")}</dt>
        <dd><ProgressBar value={o.progress} tone={done ? "done" : o.late ? "late" : "default"} label={t("Order progress")} /></dd>
        <dd className="sub">
          {o.current_stage ? t("Current stage: {seq}. {name}", { seq: String(o.current_stage.seq), name: o.current_stage.name }) : done ? t("All stages completed") : t("No open stage")}
        </dd>
      </div>
      <div className="fact">
        <dt>{t("Priority")}</dt>
        <dd>{o.priority}</dd>
      </div>
      <div className="fact">
        <dt>{t("Planned release")}</dt>
        <dd>{o.release_date ? fmtDateTimeIn(o.release_date, zone) : <span className="muted">{t("Not set")}</span>}</dd>
      </div>
      {o.planned_start && !done && (
        <div className="fact">
          <dt>{t("Planned start")}</dt>
          <dd>{fmtDateTimeIn(o.planned_start, zone)}</dd>
          <dd className="sub">{t("Published plan #{id}", { id: String(o.plan_id) })}</dd>
        </div>
      )}
      {o.customer_order && (
        <div className="fact">
          <dt>{t("Customer order")}</dt>
          <dd>{o.customer_order.number}</dd>
          <dd className="sub">{o.customer_order.customer}</dd>
        </div>
      )}
    </dl>
  );
}

function StageStep({ op, current, zone }: { op: Operation; current: boolean; zone: string | null }) {
  const done = op.status === "completed";
  const at = (iso: string | null) => fmtDateTimeIn(iso, zone);
  return (
    <li className={`step step-${op.status}${current ? " step-current" : ""}`} data-testid="stage"
      aria-current={current ? "step" : undefined}>
      <div className="step-marker" aria-hidden="true">{done ? "✓" : op.seq}</div>
      <div className="step-body">
        <div className="step-head">
          <span className="step-name">{op.seq}. {op.name}</span>
          <Chip>{op.work_center_type}</Chip>
          <StatusBadge status={op.status} />
          {current && <span className="current-tag">{t("Current stage")}</span>}
        </div>
        <div className="step-qty">
          <span><strong>{fmtNumber(op.good_qty)}</strong> {t("/ {quantity} good", { quantity: op.quantity })}</span>
          <span className={op.scrap_qty ? "text-late" : "muted"}>{t("{scrap} scrap", { scrap: op.scrap_qty })}</span>
          <span className={op.rework_qty ? "text-warn" : "muted"}>{t("{rework} rework", { rework: op.rework_qty })}</span>
        </div>
        <ProgressBar value={op.progress} tone={done ? "done" : "default"} label={t("Progress of {name}", { name: op.name })} />
        <div className="step-meta muted">
          <span>{t("Line: {line}", { line: op.line ? op.line.code : t("not assigned") })}</span>
          <span data-testid="stage-planned">
            {op.planned_start && op.planned_finish
              ? <>{t("Planned {start} → {finish}", { start: at(op.planned_start), finish: at(op.planned_finish) })}{op.planned_line && ` ${t("on {line}", { line: op.planned_line.code })}`}</>
              : t("Not in the published plan")}
          </span>
          {op.started_at && (
            <span data-testid="stage-actual">
              {t("Actual {start} → {finish}", { start: at(op.started_at), finish: op.completed_at ? at(op.completed_at) : t("running") })}
            </span>
          )}
        </div>
      </div>
    </li>
  );
}
