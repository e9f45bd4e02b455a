import { useEffect, useState, type ReactNode } from "react";
import { listOrders, type OrderStatus, type OrderSummary } from "../api";
import { LateBadge, StatusBadge } from "../components/Badges";
import { Icon } from "../components/Icon";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Pagination } from "../components/Pagination";
import { ProgressBar } from "../components/ProgressBar";
import { ExportButton } from "../components/ExportButton";
import { ordersTable } from "../exchange/tables";
import { Empty, ErrorState, Loading, StaleNotice } from "../components/States";
import { fmtDateTime, fmtDateTimeShort, fmtNumber, fmtPercent, fmtRelative, fmtSpan, statusLabel, zoneLabel } from "../format";
import { navigate } from "../router";
import { useApi, usePolling } from "../useApi";
import { msg, t } from "../i18n";
import { CustomerOrders } from "../orders/CustomerOrders";
import { OrderActions } from "../orders/OrderActions";
import { OrderForm } from "../orders/OrderForm";
import { LATE_FLAG_P } from "../delivery/api";
import "../delivery/delivery.css";
import { useCan } from "../session";

const PAGE_SIZE = 25;
const STATUSES: OrderStatus[] = ["planned", "released", "in_progress", "on_hold", "completed", "cancelled"];
const SORTS: [string, string][] = [
  ["due_date", msg("Due date (earliest first)")],
  ["-due_date", msg("Due date (latest first)")],
  ["number", msg("Order number")],
  ["-priority", msg("Priority (highest first)")],
  ["status", msg("Status")],
  ["-created_at", msg("Newest first")],
  ["-late_risk", msg("Late risk (highest first)")],
  ["late_risk", msg("Late risk (lowest first)")],
];

/** The filters live in the URL (?q=&status=&late=1&sort=&offset=) so back/forward and links keep them. */
function readFilters(query: URLSearchParams) {
  return {
    q: query.get("q") ?? "",
    statuses: (query.get("status") ?? "").split(",").filter(Boolean) as OrderStatus[],
    // "?late=1" is what the page writes; "?late=true" is what links from elsewhere say.
    late: query.get("late") === "1" || query.get("late") === "true",
    sort: query.get("sort") ?? "due_date",
    offset: Math.max(0, Number(query.get("offset")) || 0),
  };
}
type Filters = ReturnType<typeof readFilters>;

function writeFilters(f: Filters): void {
  const p = new URLSearchParams();
  if (f.q) p.set("q", f.q);
  if (f.statuses.length) p.set("status", f.statuses.join(","));
  if (f.late) p.set("late", "1");
  if (f.sort !== "due_date") p.set("sort", f.sort);
  if (f.offset) p.set("offset", String(f.offset));
  const qs = p.toString();
  navigate(`/orders${qs ? `?${qs}` : ""}`, { replace: true });
}

export function OrdersPage({ query }: { query: URLSearchParams }) {
  const customers = query.get("view") === "customers";
  const mayWrite = useCan("orders:write");
  const [creating, setCreating] = useState(false);
  const header = (
    <>
      <PageHeader title={t("Orders")} subtitle={<>{t("Production orders, their current stage and progress.")} <span data-testid="time-zone">{zoneLabel()}</span></>}
        actions={mayWrite && !customers && (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>{t("New order")}</button>
        )} />
      <nav className="segmented orders-tabs" aria-label={t("Order views")}>
        <Link to="/orders" className={customers ? undefined : "on"} aria-current={customers ? undefined : "page"}>{t("Production orders")}</Link>
        <Link to="/orders?view=customers" className={customers ? "on" : undefined} aria-current={customers ? "page" : undefined}>{t("Customer orders")}</Link>
      </nav>
      {creating && <OrderForm order={null} onClose={() => setCreating(false)} onSaved={(o) => navigate(`/orders/${o.id}`)} />}
    </>
  );
  if (customers) return <>{header}<CustomerOrders /></>;
  return <ProductionOrders query={query} header={header} />;
}

function ProductionOrders({ query, header }: { query: URLSearchParams; header: ReactNode }) {
  const filters = readFilters(query);
  const { q, statuses, late, sort, offset } = filters;
  const [search, setSearch] = useState(q);
  const update = (change: Partial<Filters>) => writeFilters({ ...filters, offset: 0, ...change });

  // Type-ahead search: wait for a pause before asking the server.
  useEffect(() => {
    if (search.trim() === q) return;
    const t = window.setTimeout(() => update({ q: search.trim() }), 300);
    return () => window.clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const statusParam = statuses.join(",");
  const orders = useApi(
    () => listOrders({ limit: PAGE_SIZE, offset, sort, q: q || undefined, status: statusParam || undefined, late: late || undefined }),
    [offset, sort, q, statusParam, late],
  );

  usePolling(orders.reload, 30_000);

  const toggleStatus = (s: OrderStatus) =>
    update({ statuses: statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s] });
  const filtered = Boolean(q || statuses.length || late);

  return (
    <>
      {header}
      <div className="toolbar">
        <label className="search">
          <Icon name="search" size={18} />
          <input type="search" placeholder={t("Search order or product…")} aria-label={t("Search orders")}
            value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label className="select">
          <span className="sr-only">{t("Sort")}</span>
          <select aria-label={t("Sort")} value={sort} onChange={(e) => update({ sort: e.target.value })}>
            {SORTS.map(([value, label]) => <option key={value} value={value}>{t(label)}</option>)}
          </select>
        </label>
        <ExportButton label={t("Orders")} table={() => ordersTable({ sort, q: q || undefined, status: statusParam || undefined, late: late || undefined })} />
      </div>
      <div className="filter-chips" role="group" aria-label={t("Filter by status")}>
        {STATUSES.map((s) => (
          <button key={s} type="button" className={`filter-chip${statuses.includes(s) ? " on" : ""}`}
            aria-pressed={statuses.includes(s)} onClick={() => toggleStatus(s)}>
            {statusLabel(s)}
          </button>
        ))}
        <span className="chip-divider" aria-hidden="true" />
        <button type="button" className={`filter-chip chip-late${late ? " on" : ""}`} aria-pressed={late}
          title={t("Orders that finished, or are expected to finish (the delivery estimate, else the published plan), after their due date")}
          onClick={() => update({ late: !late })}>
          {t("Late only")}
        </button>
        {filtered && (
          <button type="button" className="btn-link" onClick={() => { setSearch(""); update({ q: "", statuses: [], late: false }); }}>
            {t("Clear filters")}
          </button>
        )}
      </div>
      <OrdersTable state={orders} filtered={filtered} sort={sort} onSort={(s) => update({ sort: s })} />
      {orders.data && orders.data.total > 0 && (
        <Pagination offset={offset} limit={PAGE_SIZE} total={orders.data.total}
          onChange={(o) => writeFilters({ ...filters, offset: o })} />
      )}
    </>
  );
}

function OrdersTable({ state, filtered, sort, onSort }: {
  state: ReturnType<typeof useApi<{ items: OrderSummary[]; total: number }>>; filtered: boolean;
  sort: string; onSort: (sort: string) => void;
}) {
  const mayMove = useCan("orders:transition");
  // The risk is sorted on the server (every page, not just this one): riskiest first,
  // a second click the other way round.
  const riskSort = sort === "-late_risk" ? "descending" : sort === "late_risk" ? "ascending" : "none";
  if (!state.data) {
    if (state.error) return <ErrorState error={state.error} onRetry={state.reload} />;
    return <Loading label={t("Loading orders…")} />;
  }
  const stale = state.error !== undefined && <StaleNotice error={state.error} onRetry={state.reload} />;
  if (state.data.items.length === 0)
    return <>{stale}<Empty>{filtered ? t("No orders match these filters.") : t("No production orders yet.")}</Empty></>;
  return (
    <>
    {stale}
    <div className={`table-wrap${state.loading ? " is-reloading" : ""}`}>
      <table className="table orders-table">
        <thead>
          <tr>
            <th>{t("Order")}</th>
            <th>{t("Product")}</th>
            <th className="num" title={t("Quantity")}>{t("Qty")}</th>
            <th>{t("Due")}</th>
            <th>{t("Status")}</th>
            <th>{t("Current stage")}</th>
            <th className="col-progress">{t("Progress")}</th>
            <th className="num sortable" aria-sort={riskSort} data-sort="late_risk"
              title={t("Chance of finishing after the due date, with the expected finish")}>
              <button type="button" className="btn-link" onClick={() => onSort(sort === "-late_risk" ? "late_risk" : "-late_risk")}>
                {t("Late risk")}{riskSort === "descending" ? " ▾" : riskSort === "ascending" ? " ▴" : ""}
              </button>
            </th>
            {mayMove && <th>{t("Actions")}</th>}
          </tr>
        </thead>
        <tbody>
          {state.data.items.map((o) => <OrderRow key={o.id} order={o} actions={mayMove && <OrderActions compact order={o} onChanged={state.reload} />} />)}
        </tbody>
      </table>
    </div>
    </>
  );
}

function OrderRow({ order: o, actions }: { order: OrderSummary; actions: ReactNode }) {
  const to = `/orders/${o.id}`;
  const done = o.status === "completed";
  return (
    <tr className={`clickable${o.late ? " row-late" : ""}`} data-testid="order-row" onClick={() => navigate(to)}>
      <td>
        <Link to={to} className="strong" onClick={(e) => e.stopPropagation()}>{o.number}</Link>
        {o.customer_order && <div className="sub ellipsis">{o.customer_order.customer} · {o.customer_order.number}</div>}
      </td>
      <td>
        <div>{o.product.code}</div>
        <div className="sub ellipsis hide-narrow" title={o.product.name}>{o.product.name}</div>
      </td>
      <td className="num">{fmtNumber(o.quantity)}</td>
      <td>
        <div className="nowrap" title={fmtDateTime(o.due_date)}>{fmtDateTimeShort(o.due_date)}</div>
        {!done && (
          <div className={`sub${o.late ? " text-late" : ""}`}
            title={o.planned_finish ? t("Planned finish {time}", { time: fmtDateTime(o.planned_finish) }) : undefined}>
            {o.late && o.late_by_s !== null
              ? (o.finish_basis === "plan" ? t("Late by {span} (plan)", { span: fmtSpan(o.late_by_s) })
                : o.finish_basis === "eta" ? t("Late by {span} (estimate)", { span: fmtSpan(o.late_by_s) })
                : t("Late by {span}", { span: fmtSpan(o.late_by_s) }))
              : fmtRelative(o.due_date)}
          </div>
        )}
      </td>
      <td>
        <div className="status-cell">
          <StatusBadge status={o.status} />
          {o.late && <LateBadge />}
        </div>
      </td>
      <td>
        {o.current_stage ? (
          <>
            <div>{o.current_stage.seq}. {o.current_stage.name}</div>
            <div className="sub">{o.current_stage.work_center_type} · {statusLabel(o.current_stage.status)}</div>
          </>
        ) : <span className="muted">—</span>}
      </td>
      <td className="col-progress">
        <ProgressBar value={o.progress} tone={done ? "done" : o.late ? "late" : "default"} label={t("Progress of {name}", { name: o.number })} />
      </td>
      <td className={`num${o.late_risk !== null && o.late_risk >= LATE_FLAG_P ? " delivery-risk-high" : ""}`} data-testid="order-risk"
        title={o.eta && o.eta_low && o.eta_high ? t("ETA {eta} ({low} to {high})", { eta: fmtDateTime(o.eta), low: fmtDateTime(o.eta_low), high: fmtDateTime(o.eta_high) }) : undefined}>
        {o.late_risk !== null ? fmtPercent(o.late_risk) : "–"}
      </td>
      {actions && <td>{actions}</td>}
    </tr>
  );
}
