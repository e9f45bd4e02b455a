import { getOrder, type Operation, type OrderDetail } from "../api";
import { Chip, LateBadge, StatusBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { ProgressBar } from "../components/ProgressBar";
import { ErrorState, Loading, StaleNotice } from "../components/States";
import { fmtDateTime, fmtNumber, fmtRelative } from "../format";
import { useApi, usePolling } from "../useApi";

export function OrderDetailPage({ id }: { id: number }) {
  const order = useApi(() => getOrder(id), [id]);
  usePolling(order.reload, 15_000);
  const back = (
    <Link to="/orders" className="back-link">
      <Icon name="back" size={16} /> Orders
    </Link>
  );
  if (order.error && !order.data) return <>{back}<ErrorState error={order.error} onRetry={order.reload} /></>;
  if (!order.data) return <>{back}<Loading label="Loading order…" /></>;
  const o = order.data;
  return (
    <>
      <PageHeader
        back={back}
        title={<span className="title-with-badges">{o.number} <StatusBadge status={o.status} />{o.late && <LateBadge />}</span>}
        subtitle={`${o.product.code} — ${o.product.name}`}
        actions={
          <button type="button" className="btn" onClick={order.reload} disabled={order.loading}>
            Refresh
          </button>
        }
      />
      {order.error !== undefined && <StaleNotice error={order.error} onRetry={order.reload} />}
      <OrderFacts order={o} />
      <section className="panel">
        <h2 className="panel-title">Stages</h2>
        {o.operations.length === 0 ? (
          <p className="muted">This order has no operations.</p>
        ) : (
          <ol className="timeline" aria-label="Stage timeline">
            {o.operations.map((op) => (
              <StageStep key={op.id} op={op} current={o.current_stage?.seq === op.seq} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

function OrderFacts({ order: o }: { order: OrderDetail }) {
  const done = o.status === "completed";
  return (
    <dl className="facts">
      <div className={`fact${o.late ? " fact-late" : ""}`} data-testid="due-date">
        <dt>Due</dt>
        <dd>{fmtDateTime(o.due_date)}</dd>
        <dd className="sub">{o.late ? (done ? "Completed late" : `Late — due ${fmtRelative(o.due_date)}`) : done ? "Completed on time" : fmtRelative(o.due_date)}</dd>
      </div>
      <div className="fact">
        <dt>Quantity</dt>
        <dd>{fmtNumber(o.quantity)}</dd>
      </div>
      <div className="fact fact-wide">
        <dt>Progress</dt>
        <dd><ProgressBar value={o.progress} tone={done ? "done" : o.late ? "late" : "default"} label="Order progress" /></dd>
        <dd className="sub">
          {o.current_stage ? `Current stage: ${o.current_stage.seq}. ${o.current_stage.name}` : done ? "All stages completed" : "No open stage"}
        </dd>
      </div>
      <div className="fact">
        <dt>Priority</dt>
        <dd>{o.priority}</dd>
      </div>
      <div className="fact">
        <dt>Planned release</dt>
        <dd>{o.release_date ? fmtDateTime(o.release_date) : <span className="muted">Not set</span>}</dd>
      </div>
      {o.customer_order && (
        <div className="fact">
          <dt>Customer order</dt>
          <dd>{o.customer_order.number}</dd>
          <dd className="sub">{o.customer_order.customer}</dd>
        </div>
      )}
      {o.completed_at && (
        <div className="fact">
          <dt>Completed</dt>
          <dd>{fmtDateTime(o.completed_at)}</dd>
        </div>
      )}
    </dl>
  );
}

function StageStep({ op, current }: { op: Operation; current: boolean }) {
  const done = op.status === "completed";
  return (
    <li className={`step step-${op.status}${current ? " step-current" : ""}`} data-testid="stage"
      aria-current={current ? "step" : undefined}>
      <div className="step-marker" aria-hidden="true">{done ? "✓" : op.seq}</div>
      <div className="step-body">
        <div className="step-head">
          <span className="step-name">{op.seq}. {op.name}</span>
          <Chip>{op.work_center_type}</Chip>
          <StatusBadge status={op.status} />
          {current && <span className="current-tag">Current stage</span>}
        </div>
        <div className="step-qty">
          <span><strong>{fmtNumber(op.good_qty)}</strong> / {fmtNumber(op.quantity)} good</span>
          <span className={op.scrap_qty ? "text-late" : "muted"}>{fmtNumber(op.scrap_qty)} scrap</span>
          <span className={op.rework_qty ? "text-warn" : "muted"}>{fmtNumber(op.rework_qty)} rework</span>
        </div>
        <ProgressBar value={op.progress} tone={done ? "done" : "default"} label={`Progress of ${op.name}`} />
        <div className="step-meta muted">
          <span>Line: {op.line ? op.line.code : "not assigned"}</span>
          {op.started_at && <span>Started {fmtDateTime(op.started_at)}</span>}
          {op.completed_at && <span>Completed {fmtDateTime(op.completed_at)}</span>}
        </div>
      </div>
    </li>
  );
}
