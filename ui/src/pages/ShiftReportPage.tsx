import { useMemo, useState } from "react";
import { ApiError, fetchFile, listLines, saveFile } from "../api";
import type { ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { Link } from "../components/Link";
import { Empty, ErrorState, Loading } from "../components/States";
import { navigate } from "../router";
import { useApi } from "../useApi";
import { getShiftReport, getShifts, type ShiftReport } from "../kpi/api";
import { DataQualityFlag } from "../kpi/DataQualityFlag";
import { kpiValue, num, num1, OEE_LINE, OEE_STATIONS, pct, span, wholePct } from "../kpi/format";
import { shiftTitle } from "../kpi/periods";
import "../kpi/kpi.css";
import "../kpi/shift-report.css";
import { dateFormat, fmtDateTime, zoneLabel } from "../format";
import { t } from "../i18n";
import { useCan, useScopeLabel, useUser } from "../session";

const TIME: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit" };
const clock = (iso: string) => dateFormat(TIME).format(new Date(iso));

const lossName = (name: string, reason: string | null) => (reason === null ? t("No reason given") : name);

type Row = (string | number | null)[];

/** The report's rows: one section after another, each with its own header row (site time). */
function reportRows(r: ShiftReport, lineName: string): Row[] {
  const rows: Row[] = [];
  const w = r.window;
  rows.push([t("Shift report"), `${r.scope.code} ${lineName}`.trim()]);
  rows.push([t("Shift"), w.label]);
  rows.push([t("From"), fmtDateTime(w.start), t("To"), fmtDateTime(w.end)]);
  rows.push([zoneLabel(w.timezone)]);
  rows.push([]);
  rows.push([t("Figure"), t("Value")]);
  rows.push([t(OEE_LINE), pct(r.line.oee_output_based)]);
  rows.push([t(OEE_STATIONS), pct(r.line.stations_combined_oee)]);
  rows.push([t("Availability"), pct(r.kpis.availability)]);
  rows.push([t("Effectiveness"), pct(r.kpis.effectiveness)]);
  rows.push([t("Quality"), pct(r.kpis.quality_ratio_time_weighted)]);
  rows.push([t("Planned time without machine data"), r.data_quality.no_data_share === null ? "—" : wholePct(r.data_quality.no_data_share)]);
  rows.push([]);
  rows.push([t("Product"), t("Good"), t("Planned")]);
  for (const o of r.output) rows.push([o.product, o.good, o.planned === null ? "" : o.planned]);
  rows.push([t("Total"), r.good_total, r.planned_total ?? ""]);
  rows.push([]);
  rows.push([t("Top losses"), t("Lost time (s)"), t("Stops")]);
  for (const l of r.top_losses) rows.push([lossName(l.name, l.reason), Math.round(l.lost_s), l.count]);
  rows.push([]);
  rows.push([t("Stops without a reason"), t("Start"), t("End"), t("Duration (s)"), t("Fault"), t("Minor stop")]);
  for (const s of r.reasonless_stops) {
    rows.push([s.machine, fmtDateTime(s.start), fmtDateTime(s.end), Math.round(s.duration_s), s.fault ?? "", s.minor ? t("yes") : t("no")]);
  }
  return rows;
}

/** The report as CSV: one section after another, each with its own header row (site time). */
export function reportCsv(r: ShiftReport, lineName: string): string {
  const rows = reportRows(r, lineName);
  const cell = (v: string | number | null) => {
    const text = v === null ? "" : String(v);
    return /[",\n;]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return rows.map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** The same rows as one sheet of a workbook, written by the server like every export. */
function reportTable(r: ShiftReport, lineName: string): ExportTable {
  const rows = reportRows(r, lineName);
  const width = Math.max(...rows.map((row) => row.length));
  const pad = (row: Row) => [...row, ...Array<null>(width - row.length).fill(null)];
  const [first, ...rest] = rows.map(pad);
  return { title: t("Shift report"), columns: first.map((c) => (c === null ? "" : String(c))), rows: rest };
}

async function downloadXlsx(r: ShiftReport, lineName: string) {
  const file = await fetchFile("POST", "/export/table", { format: "xlsx" }, reportTable(r, lineName));
  const name = `shift-report-${r.scope.code}-${r.window.label.replace("@", "-")}.xlsx`;
  saveFile({ blob: file.blob, filename: name });
}

const CSV_TYPE = "text/csv;charset=utf-8";

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob(["\ufeff", text], { type: CSV_TYPE }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** One line's shift on one page: OEE, output against plan, top losses, stops without a reason; printable. */
export function ShiftReportPage({ query }: { query: URLSearchParams }) {
  const user = useUser();
  const areasLabel = useScopeLabel();
  const mayExport = useCan("export");
  const [xlsxError, setXlsxError] = useState<string | null>(null);
  const lines = useApi(listLines, []);
  const visible = useMemo(() => {
    const all = lines.data ?? [];
    if (!areasLabel) return all;
    const mine = new Set(user.areas.map((a) => a.id));
    return all.filter((l) => mine.has(l.area_id));
  }, [lines.data, areasLabel, user.areas]);
  const lineId = Number(query.get("line")) || visible[0]?.id || 0;
  const shift = query.get("shift") ?? "previous";
  const line = visible.find((l) => l.id === lineId);
  const shifts = useApi(() => (lineId ? getShifts({ kind: "line", id: lineId }) : Promise.resolve(null)), [lineId]);
  const report = useApi(() => (lineId ? getShiftReport(lineId, shift, "iso22400") : Promise.resolve(null)), [lineId, shift]);
  const go = (l: number, s: string) => navigate(`/kpis/shift-report?line=${l}&shift=${encodeURIComponent(s)}`, { replace: true });
  const r = report.data;
  const chosen = r ? shifts.data?.shifts.find((s) => s.label === r.window.label) : undefined;
  const title = chosen ? shiftTitle(chosen) : r?.window.label ?? "";

  const header = (
    <PageHeader
      title={t("Shift report")}
      back={<Link to="/kpis" className="back-link no-print">{t("← KPIs")}</Link>}
      subtitle={<>{line ? `${line.code} · ${line.name}` : ""}{title ? ` · ${title}` : ""} · <span data-testid="time-zone">{zoneLabel(r?.window.timezone)}</span>{areasLabel ? ` · ${areasLabel}` : ""}</>}
      actions={r ? (
        <div className="no-print report-actions">
          <button type="button" className="btn" onClick={() => window.print()}>{t("Print or save as PDF")}</button>
          <button type="button" className="btn btn-primary" data-testid="download-csv"
            onClick={() => download(`shift-report-${r.scope.code}-${r.window.label.replace("@", "-")}.csv`, reportCsv(r, line?.name ?? ""))}>
            {t("Download CSV")}
          </button>
          {mayExport && (
            <button type="button" className="btn" data-testid="download-xlsx"
              onClick={() => { setXlsxError(null); downloadXlsx(r, line?.name ?? "").catch((e) => setXlsxError(e instanceof ApiError ? e.detail || e.title : String(e))); }}>
              {t("Download XLSX")}
            </button>
          )}
          {xlsxError && <span className="form-error" role="alert">{xlsxError}</span>}
        </div>
      ) : undefined}
    />
  );

  const controls = (
    <div className="report-controls no-print">
      <label className="field-inline"><span>{t("Line")}</span>
        <select value={lineId} data-testid="report-line" onChange={(e) => go(Number(e.target.value), shift)}>
          {visible.map((l) => <option key={l.id} value={l.id}>{`${l.code} · ${l.name}`}</option>)}
        </select>
      </label>
      <label className="field-inline"><span>{t("Shift")}</span>
        <select value={shifts.data?.shifts.some((s) => s.label === shift) ? shift : r?.window.label ?? shift} data-testid="report-shift"
          onChange={(e) => go(lineId, e.target.value)}>
          {(shifts.data?.shifts ?? []).map((s, i) => (
            <option key={s.label} value={s.label}>{`${shiftTitle(s)}${i === 0 ? ` (${t("current")})` : ""}`}</option>
          ))}
        </select>
      </label>
    </div>
  );

  if (lines.error) return <>{header}<ErrorState error={lines.error} onRetry={lines.reload} /></>;
  if (lines.data && visible.length === 0) return <>{header}<Empty>{t("No lines with machines in your areas.")}</Empty></>;
  if (report.error) return <>{header}{controls}<ErrorState error={report.error} onRetry={report.reload} /></>;
  if (!r) return <>{header}{controls}<Loading label={t("Computing the shift report…")} /></>;

  const lostTotal = r.lost_total_s;
  return (
    <div className="shift-report" data-testid="shift-report" data-shift={r.window.label}>
      {header}
      {controls}
      {r.window.end_clipped_to_now && <p className="notice">{t("This shift is still running: the figures cover it up to now.")}</p>}
      <DataQualityFlag dq={r.data_quality} testId="report-no-data" />

      <section className="panel report-figures" aria-labelledby="rf-h">
        <h2 id="rf-h" className="report-h">{t("OEE")}</h2>
        <dl className="report-kpis">
          <div data-testid="report-line-oee"><dt>{t(OEE_LINE)}</dt><dd>{pct(r.line.oee_output_based)}</dd></div>
          <div data-testid="report-stations-oee"><dt>{t(OEE_STATIONS)}</dt><dd>{pct(r.line.stations_combined_oee)}</dd></div>
          <div><dt>{t("Availability")}</dt><dd>{kpiValue("availability", r.kpis.availability)}</dd></div>
          <div><dt>{t("Effectiveness")}</dt><dd>{kpiValue("effectiveness", r.kpis.effectiveness)}</dd></div>
          <div><dt>{t("Quality")}</dt><dd>{kpiValue("quality_ratio_time_weighted", r.kpis.quality_ratio_time_weighted)}</dd></div>
        </dl>
        <p className="muted small">
          {t("OEE (line output): good units out of the last station ({station}) × the line's ideal cycle time / the line's planned busy time ({pbt}).", { station: r.line.last_station, pbt: span(r.line.pbt_s) })}
        </p>
      </section>

      <section className="panel" aria-labelledby="ro-h">
        <h2 id="ro-h" className="report-h">{t("Output against plan")}</h2>
        <table className="table table-compact" data-testid="report-output">
          <thead><tr><th>{t("Product")}</th><th className="num">{t("Good")}</th><th className="num">{t("Planned")}</th><th className="num">{t("Difference")}</th></tr></thead>
          <tbody>
            {r.output.map((o) => (
              <tr key={o.product}>
                <td className="mono">{o.product}</td>
                <td className="num">{num(o.good)}</td>
                <td className="num">{o.planned === null ? "—" : num1(o.planned)}</td>
                <td className="num">{o.planned === null ? "—" : num1(o.good - o.planned)}</td>
              </tr>
            ))}
            {r.output.length === 0 && <tr><td colSpan={4} className="muted">{t("Nothing produced and nothing planned.")}</td></tr>}
          </tbody>
          <tfoot><tr><td className="strong">{t("Total")}</td><td className="num">{num(r.good_total)}</td><td className="num">{r.planned_total === null ? "—" : num1(r.planned_total)}</td><td className="num">{r.planned_total === null ? "—" : num1(r.good_total - r.planned_total)}</td></tr></tfoot>
        </table>
        <p className="muted small">{r.planned_total === null ? t("No operation of the published plan was planned on this line in this shift.") : t("Planned: each operation's quantity in the published plan, spread evenly over its planned run, the part inside this shift.")}</p>
      </section>

      <section className="panel" aria-labelledby="rl-h">
        <h2 id="rl-h" className="report-h">{t("Top losses")}</h2>
        {r.top_losses.length === 0 ? <Empty>{t("No stops in this shift.")}</Empty> : (
          <table className="table table-compact" data-testid="report-losses">
            <thead><tr><th>{t("Reason")}</th><th className="num">{t("Lost time")}</th><th className="num">{t("Share")}</th><th className="num">{t("Stops")}</th></tr></thead>
            <tbody>
              {r.top_losses.map((l) => (
                <tr key={l.reason ?? "-"} className={l.reason === null ? "is-unassigned" : undefined}>
                  <td className="strong">{lossName(l.name, l.reason)}</td>
                  <td className="num nowrap">{span(l.lost_s)}</td>
                  <td className="num">{lostTotal ? pct(l.lost_s / lostTotal) : "—"}</td>
                  <td className="num">{l.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="panel" aria-labelledby="rs-h">
        <h2 id="rs-h" className="report-h">{t("Stops without a reason")} <span className="muted">({r.reasonless_stops.length})</span></h2>
        {r.reasonless_stops.length === 0 ? <Empty>{t("Every stop of this shift has a reason.")}</Empty> : (
          <table className="table table-compact" data-testid="report-reasonless">
            <thead><tr><th>{t("Machine")}</th><th>{t("From")}</th><th>{t("To")}</th><th className="num">{t("Duration")}</th><th>{t("Fault")}</th></tr></thead>
            <tbody>
              {r.reasonless_stops.map((s) => (
                <tr key={`${s.machine}-${s.start}`}>
                  <td className="mono">{s.machine}</td>
                  <td>{clock(s.start)}</td>
                  <td>{clock(s.end)}</td>
                  <td className="num nowrap">{span(s.duration_s)}{s.minor ? ` · ${t("minor")}` : ""}</td>
                  <td>{s.fault ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="no-print"><Link to="/downtime">{t("Give the stops their reasons →")}</Link></p>
      </section>
      {r.warnings.map((w) => <p key={w} className="notice">{w}</p>)}
    </div>
  );
}
