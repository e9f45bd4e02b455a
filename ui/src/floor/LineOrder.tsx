import { LateBadge } from "../components/Badges";
import { Link } from "../components/Link";
import { ProgressBar } from "../components/ProgressBar";
import { fmtDateTimeShort } from "../format";
import type { RunningOrder } from "./model";
import { t } from "../i18n";

/** The order a line is working on: which step, how far, and when it is due. */
export function LineOrder({ order, now }: { order: RunningOrder | null; now: number }) {
  if (!order) return <div className="line-order line-order-none">{t("No order running")}</div>;
  const late = Date.parse(order.due_date) < now;
  if (order.setup) {
    // In changeover: the machines name no order, the published plan says which is next.
    return (
      <div className="line-order line-order-setup" data-testid="line-order">
        <div className="line-order-head">
          <span>{t("Setup for")} <Link to={`/orders/${order.order_id}`} className="line-order-number">{order.number}</Link></span>
          <span className="line-order-op" title={order.name}>{order.seq}. {order.name}</span>
        </div>
        <div className="line-order-meta">
          <span>{t("{quantity} to make", { quantity: order.quantity })}</span>
          <span className={late ? "text-late" : undefined}>
            {t("Due {time}", { time: fmtDateTimeShort(order.due_date) })} {late && <LateBadge />}
          </span>
        </div>
      </div>
    );
  }
  return (
    <div className="line-order" data-testid="line-order">
      <div className="line-order-head">
        <Link to={`/orders/${order.order_id}`} className="line-order-number">{order.number}</Link>
        <span className="line-order-op" title={order.name}>{order.seq}. {order.name}</span>
      </div>
      <ProgressBar value={order.progress} tone={late ? "late" : order.progress >= 1 ? "done" : "default"}
        label={t("Progress of {name}", { name: order.number })} />
      <div className="line-order-meta">
        <span>{t("{good} / {quantity} good", { good: order.good, quantity: order.quantity })}{order.scrap > 0 && ` · ${t("{scrap} scrap", { scrap: order.scrap })}`}</span>
        <span className={late ? "text-late" : undefined}>
          {t("Due {time}", { time: fmtDateTimeShort(order.due_date) })} {late && <LateBadge />}
        </span>
      </div>
    </div>
  );
}
