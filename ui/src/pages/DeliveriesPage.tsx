import { useMemo, useState } from "react";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { siteTime, timeColumn } from "../exchange/tables";
import { Empty, ErrorState, Loading, StaleNotice } from "../components/States";
import { Link } from "../components/Link";
import { BottleneckChart } from "../delivery/BottleneckChart";
import { getAttribution, getBottlenecks, getDeliveryOrders, LATE_FLAG_P, type DeliveryOrder } from "../delivery/api";
import { delayText } from "../delivery/text";
import { fmtDateTime, fmtDecimal, fmtPercent, zoneLabel } from "../format";
import { t } from "../i18n";
import { useApi, usePolling } from "../useApi";
import "../delivery/delivery.css";

type SortKey = "risk" | "eta" | "due" | "late";
const SORTS: Record<SortKey, (a: DeliveryOrder, b: DeliveryOrder) => number> = {
  risk: (a, b) => b.p_late - a.p_late || a.due_date.localeCompare(b.due_date),
  eta: (a, b) => a.eta.localeCompare(b.eta),
  due: (a, b) => a.due_date.localeCompare(b.due_date),
  late: (a, b) => b.late_by_min - a.late_by_min,
};

/** The open orders as the table shows them (its filter and sort applied). */
export function deliveriesAtRiskTable(rows: DeliveryOrder[]): ExportTable {
  return {
    title: t("Deliveries at risk"),
    columns: [
      t("Order"), t("Product"), timeColumn(t("Due")), timeColumn(t("ETA")), timeColumn(t("ETA, 80 % interval from")),
      timeColumn(t("ETA, 80 % interval to")), t("Late risk (%)"), t("Late by (min)"), t("Delay"),
    ],
    rows: rows.map((o) => [
      o.number, o.product_code, siteTime(o.due_date), siteTime(o.eta), siteTime(o.eta_low), siteTime(o.eta_high),
      Math.round(o.p_late * 1000) / 10, o.late_by_min > 0 ? Math.round(o.late_by_min) : null, o.delay ? delayText(o.delay) : null,
    ]),
  };
}

/** Deliveries at risk: every open order's ETA with its 80 % interval, the chance of
 * finishing late and the stage that holds it up; bottlenecks and lateness by stage. */
export function DeliveriesPage() {
  const [sort, setSort] = useState<SortKey>("risk");
  const [onlyRisk, setOnlyRisk] = useState(true);
  const [period, setPeriod] = useState<"shift" | "day" | "week">("day");
  const orders = useApi(() => getDeliveryOrders(), []);
  const bottlenecks = useApi(() => getBottlenecks({ period }), [period]);
  const blame = useApi(getAttribution, []);
  usePolling(orders.reload, 60_000);
  const rows = useMemo(() => {
    const items = [...(orders.data?.items ?? [])].filter((o) => !onlyRisk || o.p_late >= 0.2);
    return items.sort(SORTS[sort]);
  }, [orders.data, sort, onlyRisk]);
  const header = (
    <PageHeader title={t("Deliveries at risk")}
      subtitle={<>{t("Expected finish of every open order from the plan, the floor's progress and the rates it achieves, with an 80 % interval and the chance of missing the due date.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />
  );
  if (orders.error && !orders.data) return <>{header}<ErrorState error={orders.error} onRetry={orders.reload} /></>;
  const th = (key: SortKey, label: string) => (
    <th className={`sortable${key === "risk" || key === "late" ? " num" : ""}`} aria-sort={sort === key ? "descending" : "none"}
      onClick={() => setSort(key)} data-sort={key}>{label}{sort === key ? " ▾" : ""}</th>
  );
  return (
    <div className="delivery-page">
      {header}
      {orders.error !== undefined && orders.data && <StaleNotice error={orders.error} onRetry={orders.reload} />}
      <section aria-label={t("Open orders by late risk")}>
        <h2>{t("Open orders by late risk")}</h2>
        <div className="delivery-toolbar">
          <label className="field-inline">
            <input type="checkbox" checked={onlyRisk} onChange={(e) => setOnlyRisk(e.target.checked)} data-testid="only-risk" />
            <span>{t("Only orders with a risk of 20 % or more")}</span>
          </label>
          {rows.length > 0 && <ExportButton label={t("Deliveries at risk")} table={() => deliveriesAtRiskTable(rows)} />}
          {orders.data && (
            <span className="muted" data-testid="calibration">
              {orders.data.calibration_size > 0
                ? t("Calibrated on {count} earlier predictions; rates from {samples} finished stages.", { count: orders.data.calibration_size, samples: orders.data.rate_samples })
                : t("Not calibrated yet (no earlier predictions of finished orders); rates from {samples} finished stages.", { samples: orders.data.rate_samples })}
              {orders.data.stored && <> {t("Estimated at {time}.", { time: fmtDateTime(orders.data.as_of) })}</>}
            </span>
          )}
        </div>
        {!orders.data ? <Loading /> : rows.length === 0 ? <Empty>{t("No open order is at risk.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="delivery-table">
              <thead>
                <tr>
                  <th>{t("Order")}</th><th>{t("Product")}</th>
                  {th("due", t("Due"))}
                  {th("eta", t("ETA"))}
                  <th>{t("80 % interval")}</th>
                  {th("risk", t("Late risk"))}
                  {th("late", t("Late by (min)"))}
                  <th>{t("Delay")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((o) => (
                  <tr key={o.order_id} data-order={o.number} data-risk={o.p_late}>
                    <td className="mono nowrap"><Link to={`/orders/${o.order_id}`}>{o.number}</Link></td>
                    <td className="mono nowrap">{o.product_code}</td>
                    <td>{fmtDateTime(o.due_date)}</td>
                    <td>{fmtDateTime(o.eta)}</td>
                    <td className="muted">{t("{low} to {high}", { low: fmtDateTime(o.eta_low), high: fmtDateTime(o.eta_high) })}</td>
                    <td className={`num${o.p_late >= LATE_FLAG_P ? " delivery-risk-high" : ""}`}>{fmtPercent(o.p_late)}</td>
                    <td className="num">{o.late_by_min > 0 ? fmtDecimal(o.late_by_min, 0) : "–"}</td>
                    <td data-testid="delay">{o.delay ? delayText(o.delay) : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label={t("Bottlenecks")}>
        <h2>{t("Bottlenecks")}</h2>
        <p className="muted">{t("Share of each period in which a line was the sole or a shifting bottleneck (active period method, from the measured machine states).")}</p>
        <div className="delivery-toolbar">
          <label className="field-inline">
            <span>{t("Period")}</span>
            <select value={period} onChange={(e) => setPeriod(e.target.value as "shift" | "day" | "week")} data-testid="bottleneck-period">
              <option value="shift">{t("8-hour shifts")}</option>
              <option value="day">{t("Days")}</option>
              <option value="week">{t("Weeks")}</option>
            </select>
          </label>
        </div>
        {bottlenecks.error && !bottlenecks.data ? <ErrorState error={bottlenecks.error} onRetry={bottlenecks.reload} />
          : !bottlenecks.data ? <Loading /> : <BottleneckChart windows={bottlenecks.data.windows} />}
      </section>
      <section aria-label={t("Lateness by stage")}>
        <h2>{t("Lateness by stage")}</h2>
        {!blame.data ? <Loading /> : (
          <>
            <p data-testid="lateness-total">{t("{count} orders due this week and next are late by {minutes} min in total.", { count: blame.data.late_orders, minutes: fmtDecimal(blame.data.late_min, 0) })}</p>
            {blame.data.stages.length === 0 ? <Empty>{t("No lateness to attribute.")}</Empty> : (
              <div className="table-wrap">
                <table className="table" data-testid="lateness-table">
                  <thead><tr><th>{t("Line")}</th><th className="num">{t("Late (min)")}</th><th className="num">{t("Waiting in queue (min)")}</th><th className="num">{t("Lost against plan (min)")}</th><th>{t("Orders")}</th></tr></thead>
                  <tbody>
                    {blame.data.stages.map((s) => (
                      <tr key={s.line_code} data-line={s.line_code}>
                        <td>{s.line_code}</td><td className="num">{fmtDecimal(s.late_min, 0)}</td>
                        <td className="num">{fmtDecimal(s.wait_min, 0)}</td><td className="num">{fmtDecimal(s.lost_min, 0)}</td>
                        <td className="mono">{s.orders.join(", ")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {blame.data.waiting.length > 0 && (
              <>
                <h3>{t("Waiting between stages")}</h3>
                <table className="table" data-testid="waiting-table">
                  <thead><tr><th>{t("Product")}</th><th className="num">{t("Transitions")}</th><th className="num">{t("Mean wait (min)")}</th><th className="num">{t("Longest wait (min)")}</th></tr></thead>
                  <tbody>
                    {blame.data.waiting.map((w) => (
                      <tr key={w.product}><td>{w.product}</td><td className="num">{w.transitions}</td><td className="num">{fmtDecimal(w.mean_wait_min, 0)}</td><td className="num">{fmtDecimal(w.max_wait_min, 0)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </>
        )}
      </section>
    </div>
  );
}
