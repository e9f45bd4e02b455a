// The tables the export buttons write: what each page shows, row by row, with every
// filter the page has applied and every page of a paged list. Times are written in the
// site's zone as "YYYY-MM-DD HH:MM", which a spreadsheet reads as a date, and the column
// title names the zone.
import { getAll, type Area, type Calendar, type Line, type Machine, type Operator, type OrderSummary, type Product, type Site } from "../api";
import type { Receipt, StockLevel } from "../inventory/api";
import type { Figures, Pareto, TrendBucket, UnassignedStop } from "../kpi/api";
import type { Schemas } from "../api";

type LineOeeOut = Schemas["LineOeeOut"];
import type { ExportCell, ExportTable } from "../components/ExportButton";
import { fmtWeekdays, statusLabel } from "../format";
import { t } from "../i18n";
import { siteZone } from "../site";
import { wallClock } from "../zoned";

/** An instant as the site's wall-clock time, "2026-12-18 23:59"; empty when absent. */
export function siteTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const wall = wallClock(siteZone(), Date.parse(iso));
  return new Date(wall).toISOString().slice(0, 16).replace("T", " ");
}

/** A column title for times: "Due (Europe/Berlin)". */
export function timeColumn(title: string): string {
  return `${title} (${siteZone()})`;
}

export interface OrderFilters {
  sort: string;
  q?: string;
  status?: string;
  late?: boolean;
}

/** Every order the list's filters select, not only the page on screen. */
export async function ordersTable(filters: OrderFilters): Promise<ExportTable> {
  const orders = await getAll<OrderSummary>("/orders", { ...filters });
  const rows: ExportCell[][] = orders.map((o) => [
    o.number,
    o.customer_order?.number ?? null,
    o.customer_order?.customer ?? null,
    o.product.code,
    o.product.name,
    o.quantity,
    siteTime(o.due_date),
    statusLabel(o.status),
    o.late ? t("yes") : t("no"),
    o.current_stage ? `${o.current_stage.seq}. ${o.current_stage.name}` : null,
    Math.round(o.progress * 1000) / 10,
  ]);
  return {
    title: t("Orders"),
    columns: [
      t("Order"), t("Customer order"), t("Customer"), t("Product"), t("Product name"), t("Quantity"),
      timeColumn(t("Due")), t("Status"), t("Late"), t("Current stage"), t("Progress (%)"),
    ],
    rows,
  };
}

export function customerOrdersTable(orders: { number: string; customer: string }[]): ExportTable {
  return {
    title: t("Customer orders"),
    columns: [t("Number"), t("Customer")],
    rows: orders.map((c) => [c.number, c.customer]),
  };
}

// ---- master data ----

export function productsTable(products: Product[]): ExportTable {
  return {
    title: t("Products"),
    columns: [t("Code"), t("Name"), t("Family")],
    rows: products.map((p) => [p.code, p.name, p.family]),
  };
}

export function materialsTable(materials: { code: string; name: string; unit: string; backflush: boolean; scrap_factor: number }[]): ExportTable {
  return {
    title: t("Materials"),
    columns: [t("Code"), t("Name"), t("Unit"), t("Consumption"), t("Scrap factor")],
    rows: materials.map((m) => [m.code, m.name, m.unit, m.backflush ? t("Backflush") : t("Issued by hand"), m.scrap_factor]),
  };
}

export function operatorsTable(operators: Operator[], areas: Area[]): ExportTable {
  const areaName = (id: number) => areas.find((a) => a.id === id)?.name ?? "";
  return {
    title: t("Operators"),
    columns: [t("Code"), t("Name"), t("Skills"), t("Areas"), t("Shift"), t("Status")],
    rows: operators.map((o) => [
      o.code, o.name, o.skills.join(", "), o.area_ids.map(areaName).join(", "), o.shift_code ?? null,
      o.active ? t("Active") : t("Inactive"),
    ]),
  };
}

/** One row per machine (a line without machines has one row with empty machine cells). */
export function machinesTable(sites: Site[], areas: Area[], lines: Line[], machines: Machine[]): ExportTable {
  const rows: ExportCell[][] = [];
  for (const line of lines) {
    const area = areas.find((a) => a.id === line.area_id);
    const site = sites.find((s) => s.id === area?.site_id);
    const on = machines.filter((m) => m.line_id === line.id).sort((a, b) => a.position - b.position || a.code.localeCompare(b.code));
    const base: ExportCell[] = [site?.name ?? "", area?.name ?? "", line.code, line.name, line.type];
    if (on.length === 0) rows.push([...base, null, null, null, null, null]);
    for (const m of on) rows.push([...base, m.position, m.code, m.name, m.kind, m.speed_factor]);
  }
  return {
    title: t("Lines & machines"),
    columns: [t("Site"), t("Area"), t("Line"), t("Line name"), t("Type"), t("Position"), t("Machine"), t("Machine name"), t("Kind"), t("Speed factor")],
    rows,
  };
}

export function stockTable(stock: StockLevel[], receipts: Receipt[]): ExportTable {
  const open = (materialId: number) =>
    receipts.filter((r) => r.status === "open" && r.material_id === materialId).reduce((sum, r) => sum + r.quantity, 0);
  return {
    title: t("Stock on hand"),
    columns: [t("Material"), t("Material name"), t("On hand"), t("Open deliveries"), t("Unit"), timeColumn(t("Updated"))],
    rows: stock.map((s) => [s.material.code, s.material.name, s.quantity, open(s.material_id), s.material.unit, siteTime(s.updated_at)]),
  };
}

export function deliveriesTable(receipts: Receipt[], statusName: (status: string) => string): ExportTable {
  return {
    title: t("Deliveries"),
    columns: [timeColumn(t("Expected")), t("Material"), t("Material name"), t("Quantity"), t("Unit"), t("Reference"), t("Status"), timeColumn(t("Received"))],
    rows: receipts.map((r) => [
      siteTime(r.expected_at), r.material.code, r.material.name, r.quantity, r.material.unit, r.reference,
      statusName(r.status), siteTime(r.received_at),
    ]),
  };
}

// ---- downtime and KPIs ----

const minutes = (seconds: number): number => Math.round(seconds / 6) / 10;
const percent = (fraction: number | null | undefined): number | null =>
  fraction === null || fraction === undefined ? null : Math.round(fraction * 1000) / 10;

export function stopsTable(stops: UnassignedStop[]): ExportTable {
  return {
    title: t("Stops without a reason"),
    columns: [t("Machine"), t("Machine name"), t("Line"), timeColumn(t("Start")), timeColumn(t("End")), t("Duration (min)"), t("Ongoing"), t("Minor stop"), t("Fault")],
    rows: stops.map((s) => [
      s.machine_code, s.machine_name, s.line_code, siteTime(s.start), siteTime(s.end), minutes(s.duration_s),
      s.ongoing ? t("yes") : t("no"), s.minor ? t("yes") : t("no"), s.fault ?? null,
    ]),
  };
}

/** The KPI figures of each scope and window on the page, one row each. */
export function figuresTable(blocks: { scope: string; period: string; figures: Figures }[], convention: string): ExportTable {
  return {
    title: t("KPI figures"),
    columns: [
      t("Scope"), t("Period"), timeColumn(t("From")), timeColumn(t("To")), t("Convention"),
      `${t("OEE (stations combined)")} (%)`, t("Availability (%)"), t("Effectiveness (%)"), t("Quality (%)"),
      t("Good"), t("Scrap"), t("Failures"), t("Minor stops"),
      t("Planned busy (min)"), t("Producing (min)"), t("Setup (min)"), t("Delays (min)"), t("Failures (min)"), t("No data (min)"),
    ],
    rows: blocks.map(({ scope, period, figures: f }) => [
      scope, period, siteTime(f.window.start), siteTime(f.window.computed_end), convention,
      percent(f.kpis.oee), percent(f.kpis.availability), percent(f.kpis.effectiveness), percent(f.kpis.quality_ratio_time_weighted),
      f.counts.GQ, f.counts.SQ, f.events.failures, f.events.minor_stops,
      minutes(f.time_elements_s.pbt), minutes(f.time_elements_s.apt), minutes(f.time_elements_s.asut),
      minutes(f.time_elements_s.adet), minutes(f.time_elements_s.adot), minutes(f.time_elements_s.unknown),
    ]),
  };
}

/** One line's figures in one period, as its card shows them (both OEE figures, by name). */
export interface LineFiguresRow {
  code: string;
  period: string;
  from: string;
  to: string;
  block: LineOeeOut;
}

export function lineFiguresTable(rows: LineFiguresRow[], convention: string): ExportTable {
  return {
    title: t("Line figures"),
    columns: [
      t("Line"), t("Period"), timeColumn(t("From")), timeColumn(t("To")), t("Convention"),
      `${t("OEE (line output)")} (%)`, `${t("OEE (stations combined)")} (%)`,
      t("Availability (%)"), t("Effectiveness (%)"), t("Quality (%)"),
      t("Planned busy (min)"), t("No data (min)"),
    ],
    rows: rows.map(({ code, period, from, to, block: b }) => [
      code, period, siteTime(from), siteTime(to), convention,
      percent(b.oee_output_based), percent(b.stations_kpis.oee),
      percent(b.stations_kpis.availability), percent(b.stations_kpis.effectiveness), percent(b.stations_kpis.quality_ratio_time_weighted),
      minutes(b.pbt_s), minutes(b.data_quality.no_data_s),
    ]),
  };
}

export function trendTable(scope: string, buckets: TrendBucket[], convention: string): ExportTable {
  return {
    title: t("KPI trend"),
    columns: [t("Scope"), timeColumn(t("From")), timeColumn(t("To")), t("Convention"), "OEE (%)", t("Availability (%)"), t("Effectiveness (%)"), t("Quality (%)"), t("Good"), t("Scrap")],
    rows: buckets.map((b) => [
      scope, siteTime(b.start), siteTime(b.end), convention,
      percent(b.kpis.oee), percent(b.kpis.availability), percent(b.kpis.effectiveness), percent(b.kpis.quality_ratio_time_weighted),
      b.counts.GQ, b.counts.SQ,
    ]),
  };
}

export function paretoTable(scope: string, group: string, pareto: Pareto, labelOf: (key: string) => string): ExportTable {
  return {
    title: t("Downtime Pareto"),
    columns: [t("Scope"), timeColumn(t("From")), timeColumn(t("To")), group, t("Lost time (min)"), t("Stops"), t("Share (%)"), t("Cumulative share (%)")],
    rows: pareto.rows.map((r) => [
      scope, siteTime(pareto.window.start), siteTime(pareto.window.computed_end), labelOf(r.key),
      minutes(r.duration_s), r.count, percent(r.share), percent(r.cumulative_share),
    ]),
  };
}

// ---- calendars ----

/** Shift patterns and holidays, one row each. Shift times are the site's wall-clock times
 * as stored (the time-zone column names the site's zone); a holiday is a calendar day. */
export function calendarsTable(calendars: Calendar[], sites: Site[], lines: Line[]): ExportTable {
  const rows: ExportCell[][] = [];
  const clock = (hhmm: string) => hhmm.slice(0, 5);
  for (const c of calendars) {
    const site = sites.find((s) => s.id === c.site_id);
    const line = c.line_id !== null ? lines.find((l) => l.id === c.line_id) : undefined;
    const head: ExportCell[] = [c.code, c.name, site?.name ?? null, site?.timezone ?? null, line?.code ?? t("whole site")];
    for (const p of c.patterns) {
      const breaks = p.breaks.map((b) => t("{time} for {minutes} min", { time: clock(b.start), minutes: b.minutes })).join("; ");
      rows.push([...head, t("Shift"), p.code, p.name, fmtWeekdays(p.weekdays), clock(p.start), clock(p.end), breaks, null]);
    }
    for (const h of [...c.holidays].sort((a, b) => a.day.localeCompare(b.day))) {
      rows.push([...head, t("Holiday"), null, h.name, null, null, null, null, h.day]);
    }
  }
  return {
    title: t("Calendars"),
    columns: [
      t("Calendar"), t("Calendar name"), t("Site"), t("Time zone"), t("Line"), t("Entry"), t("Shift"), t("Name"),
      t("Weekdays"), t("Start (site time)"), t("End (site time)"), t("Breaks"), t("Day"),
    ],
    rows,
  };
}
