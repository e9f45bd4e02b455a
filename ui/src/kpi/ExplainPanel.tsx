import { useEffect, useRef, useState } from "react";
import { ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { getExplain, type Convention, type Explain, type KpiName, type LineBlock, type ScopeRef, type SourceLink, type Window } from "./api";
import { DataQualityFlag } from "./DataQualityFlag";
import { conventionLabel, kpiLabel, kpiValue, num, OEE_LINE, OEE_STATIONS, OVER_100_HINT, pct, secs, span } from "./format";
import { filledIn } from "./formulas";
import { ELEMENTS, TimeBar, type ElementKey } from "./TimeBar";
import { fmtWhen } from "./windows";
import { stateLabel } from "../floor/states";
import type { MachineState } from "../floor/model";
import { fmtDecimal } from "../format";
import { t } from "../i18n";
import { QualityExplain } from "../quality/QualityExplain";

/** A KPI of the machine data, the line's output-based OEE, or the first pass yield of the
 * inspection results ("quality_fpy", explained by the quality figures alone). */
export type Metric = KpiName | "line_oee" | "quality_fpy";

export interface ExplainTarget {
  scope: ScopeRef;
  title: string;
  window: Window;
  windowLabel: string;
  metric: Metric;
}

const SHOWN: KpiName[] = [
  "oee", "availability", "effectiveness", "quality_ratio_time_weighted", "quality_ratio", "nee",
  "technical_efficiency", "setup_rate", "allocation_efficiency", "throughput_rate_per_hour",
  "scrap_ratio", "rework_ratio", "first_pass_yield", "mtbf_s", "mttr_s",
];

/** A side sheet that explains one figure down to the intervals and stops behind it. */
export function ExplainPanel({ target, convention, machineCode, onClose }: {
  target: ExplainTarget;
  convention: Convention;
  machineCode: (id: number) => string;
  onClose: () => void;
}) {
  const { scope, window } = target;
  const quality = target.metric === "quality_fpy";
  const data = useApi(
    () => (quality ? Promise.resolve(null) : getExplain(scope, window, convention)),
    [scope.kind, scope.id, window.from, window.to, convention, quality],
  );
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window_.addEventListener("keydown", onKey);
    return () => window_.removeEventListener("keydown", onKey);
  }, [onClose]);

  return (
    <div className="sheet-backdrop" onClick={onClose}>
      <section className="sheet" role="dialog" aria-modal="true" aria-labelledby="explain-title"
        data-testid="explain" onClick={(e) => e.stopPropagation()}>
        <header className="sheet-header">
          <div>
            <h2 id="explain-title">{target.title}</h2>
            <p className="muted">
              {target.windowLabel} · <span className="conv-tag">{conventionLabel(convention)}</span>
            </p>
          </div>
          <button ref={closeRef} type="button" className="btn" onClick={onClose}>{t("Close")}</button>
        </header>
        <div className="sheet-body">
          {target.metric === "quality_fpy" ? <QualityExplain scope={scope} window={window} hero />
            : data.error ? <ErrorState error={data.error} onRetry={data.reload} />
            : !data.data ? <Loading label={t("Explaining…")} />
            : (
              <>
                <ExplainBody ex={data.data} metric={target.metric} machineCode={machineCode} />
                <QualityExplain scope={scope} window={window} />
              </>
            )}
        </div>
      </section>
    </div>
  );
}

// `window` is shadowed by the reporting window above.
const window_ = globalThis.window;

function ExplainBody({ ex, metric, machineCode }: { ex: Explain; metric: Exclude<Metric, "quality_fpy">; machineCode: (id: number) => string }) {
  const [element, setElement] = useState<ElementKey | null>(null);
  const c = ex.counts;
  const line = ex.lines?.find((l) => l.id === ex.scope.id && ex.scope.kind === "line");
  // The line figure divides by the line's time (the PBT of one station, the largest), so
  // its table shows that station's elements, never the sums over all stations.
  const lineTime = metric === "line_oee" && line ? line : null;
  const te = lineTime ? lineTime.time_elements_s : ex.time_elements_s;
  const main: KpiName = metric === "line_oee" ? "oee" : metric;
  const mainValue = metric === "line_oee" ? line?.oee_output_based ?? null : ex.kpis[main];
  const oeeName = ex.scope.kind === "machine" ? "OEE" : t(OEE_STATIONS);

  return (
    <>
      <div className="explain-hero">
        <div>
          <div className="muted" data-testid="explain-name">{metric === "line_oee" ? t(OEE_LINE) : main === "oee" ? oeeName : kpiLabel(main, ex.convention)}</div>
          <div className="hero-value" data-testid="explain-value">{kpiValue(main, mainValue)}</div>
        </div>
        <div className="hero-formula">
          {metric === "line_oee" && line ? <LineFormula line={line} /> : (
            <>
              <code>{ex.formulas[main]}</code>
              <code>= {filledIn(main, te, c, ex.convention, ex.events.failures, ex.window.hours)}</code>
              <code>= {kpiValue(main, mainValue)}</code>
            </>
          )}
        </div>
      </div>
      {main === "effectiveness" && (mainValue ?? 0) > 1 && <p className="hint">{t(OVER_100_HINT)}</p>}
      {ex.warnings.map((w) => <p key={w} className="notice">{w}</p>)}
      <DataQualityFlag dq={lineTime ? lineTime.data_quality : ex.data_quality} testId="explain-no-data" />

      <h3 className="sheet-h3">{lineTime ? t("Time of the line: station {station}", { station: lineTime.pbt_station }) : t("Time elements")}</h3>
      {lineTime && (
        <p className="muted small" data-testid="line-time-note">
          {t("The line is planned busy while any station is: its PBT is the largest station PBT, here {station}'s. These are that station's time elements, the ones the formula above divides by; the stations' sums belong to OEE (stations combined).", { station: lineTime.pbt_station })}
        </p>
      )}
      <TimeBar te={te} selected={element} onSelect={setElement} />
      <div className="table-wrap">
        <table className="table table-compact" data-testid="time-elements">
          <thead><tr><th>{t("Element")}</th><th>{t("Meaning")}</th><th className="num">{t("Time")}</th><th className="num">{t("of PBT")}</th><th className="num">{t("Sources")}</th></tr></thead>
          <tbody>
            {ELEMENTS.map((e) => {
              const sources = lineTime ? undefined : ex.sources[e.key];
              return (
                <tr key={e.key} className={element === e.key ? "is-selected" : undefined}>
                  <th><span className={`el-swatch ${e.cls}`} />{e.key}</th>
                  <td>{t(e.name)}</td>
                  <td className="num nowrap">{span(te[e.field])}</td>
                  <td className="num">{e.key === "POT" || e.key === "PDOT" || !te.pbt ? "" : pct(te[e.field] / te.pbt)}</td>
                  <td className="num">
                    {sources ? (
                      <button type="button" className="btn-link" aria-pressed={element === e.key}
                        onClick={() => setElement(element === e.key ? null : e.key)}>
                        {num(sources.total)} {element === e.key ? "▴" : "▾"}
                      </button>
                    ) : <span className="muted">—</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        {t("Overtime (work outside the plan, counted in POT): {overtime} · not planned: {notPlanned} · minor stops {minor}, short idling {short}, long idling {long} (in ADET).", {
          overtime: span(te.overtime), notPlanned: span(te.not_planned), minor: span(te.adet_minor_stops),
          short: span(te.adet_idle_short), long: span(te.adet_idle_long),
        })}
      </p>
      {element && ex.sources[element] && (
        <Sources element={element} src={ex.sources[element]} machineCode={machineCode} />
      )}

      <h3 className="sheet-h3">{lineTime ? t("OEE (stations combined) and the other KPIs, over the stations' summed time") : t("Formulas with this answer's numbers")}</h3>
      <div className="table-wrap">
        <table className="table table-compact formulas" data-testid="formulas">
          <thead><tr><th>{t("KPI")}</th><th>{t("Formula")}</th><th>{t("Filled in")}</th><th className="num">{t("Value")}</th></tr></thead>
          <tbody>
            {SHOWN.map((k) => (
              <tr key={k} className={k === main && !lineTime ? "is-selected" : undefined}>
                <th>{k === "oee" ? oeeName : kpiLabel(k, ex.convention)}</th>
                <td><code>{ex.formulas[k]}</code></td>
                <td><code>{filledIn(k, ex.time_elements_s, c, ex.convention, ex.events.failures, ex.window.hours)}</code></td>
                <td className="num strong nowrap">{kpiValue(k, ex.kpis[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3 className="sheet-h3">{t("Counts")}</h3>
      <dl className="count-facts">
        {(["PQ", "GQ", "SQ", "RQ", "IP", "GP"] as const).map((k) => (
          <div key={k}><dt>{k}</dt><dd>{num(c[k])}</dd></div>
        ))}
        <div><dt>Σ PRU × PQ</dt><dd>{secs(c.sum_PRU_x_PQ_s)}</dd></div>
        <div><dt>Σ PRU × GQ</dt><dd>{secs(c.sum_PRU_x_GQ_s)}</dd></div>
      </dl>
      {ex.products.length > 0 && (
        <div className="table-wrap">
          <table className="table table-compact" data-testid="products">
            <thead><tr><th>{t("Product")}</th><th>{t("Machine")}</th><th className="num">PRU</th><th className="num">PQ</th><th className="num">GQ</th><th className="num">SQ</th><th className="num">RQ</th><th className="num">PRU × GQ</th></tr></thead>
            <tbody>
              {ex.products.map((p) => (
                <tr key={`${p.work_unit}-${p.product}`}>
                  <th className="mono">{p.product}</th>
                  <td className="mono">{p.work_unit}</td>
                  <td className="num">{p.PRU_s === null ? "—" : `${fmtDecimal(p.PRU_s, 2)} s`}</td>
                  <td className="num">{num(p.PQ)}</td>
                  <td className="num">{num(p.GQ)}</td>
                  <td className="num">{num(p.SQ)}</td>
                  <td className="num">{num(p.RQ)}</td>
                  <td className="num">{p.PRU_s === null ? "—" : secs(p.PRU_s * p.GQ)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">{ex.counts_rule}</p>

      <h3 className="sheet-h3">{t("Stops")} <span className="muted">{t("{failures} failures, {minor} minor stops", { failures: ex.events.failures, minor: ex.events.minor_stops })}</span></h3>
      {ex.stops.items.length === 0 ? <p className="muted">{t("No stops in this window.")}</p> : (
        <div className="table-wrap stops-wrap">
          <table className="table table-compact" data-testid="stops">
            <thead><tr><th>{t("Machine")}</th><th>{t("State")}</th><th>{t("Start")}</th><th className="num">{t("Duration")}</th><th className="num">{t("Lost here")}</th><th>{t("Reason")}</th><th>{t("Data")}</th></tr></thead>
            <tbody>
              {ex.stops.items.slice().reverse().map((s) => (
                <tr key={`${s.work_unit}-${s.start}`}>
                  <th className="mono">{s.work_unit}</th>
                  <td>{stateLabel(s.state as MachineState)}{s.minor && <span className="flag flag-minor">{t("minor")}</span>}</td>
                  <td className="nowrap">{fmtWhen(s.start)}</td>
                  <td className="num nowrap">{span(s.duration_s)}</td>
                  <td className="num nowrap">{span(s.lost_s)}</td>
                  <td>{s.reason ?? <span className="flag flag-unassigned">{t("unassigned")}</span>}{s.fault && <span className="muted"> · {s.fault}</span>}</td>
                  <td>{s.intervals.map((l, i) => l.kind === "interval" && <SourceAnchor key={i} link={l} text={t("intervals")} />)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {ex.stops.truncated && <p className="muted small">{t("Showing {shown} of {total} stops.", { shown: ex.stops.items.length, total: ex.stops.total })}</p>}
    </>
  );
}

function LineFormula({ line }: { line: LineBlock }) {
  const parts = Object.entries(line.good_out).map(([p, n]) => `${line.line_PRU_s[p] ?? "?"} s × ${num(n)}`);
  return (
    <>
      <code>{line.formula}</code>
      <code>= ({parts.join(" + ") || "0"}) / {secs(line.pbt_s)}</code>
      <code>= {pct(line.oee_output_based)}</code>
      <span className="muted small">{t("Last station {station}; stations combined {combined}, lowest station {lowest}.", { station: line.last_station ?? "—", combined: pct(line.stations_combined_oee), lowest: pct(line.lowest_station_oee) })}</span>
    </>
  );
}

function Sources({ element, src, machineCode }: {
  element: ElementKey;
  src: Explain["sources"][string];
  machineCode: (id: number) => string;
}) {
  return (
    <div className="sources" data-testid="sources">
      <h4>{element}: {t("{count} sources", { count: src.total })}{src.truncated ? ` ${t("(first {count})", { count: src.links.length })}` : ""}</h4>
      <ul>
        {src.links.map((l, i) => (
          <li key={i}>
            {l.kind === "interval" && <><span className="mono">{machineCode(l.machine_id!)}</span> {fmtWhen(l.start!)} – {l.end ? fmtWhen(l.end) : t("now")}{l.end && <span className="muted"> ({span((new Date(l.end).getTime() - new Date(l.start!).getTime()) / 1000)})</span>} <SourceAnchor link={l} text={t("intervals")} /></>}
            {l.kind === "no_data" && <>{t("No data")} {fmtWhen(l.start!)} – {fmtWhen(l.end!)}</>}
            {(l.kind === "shift" || l.kind === "break" || l.kind === "other") && <>{l.kind === "other" ? "" : `${l.kind === "shift" ? t("Shift") : t("Break")} `}<span className="mono">{l.label}</span></>}
            {l.kind === "count" && <><span className="mono">{machineCode(l.machine_id!)}</span> {t("count event")} <span className="mono">{l.event_id}</span></>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function SourceAnchor({ link, text }: { link: Extract<SourceLink, { kind: "interval" }>; text: string }) {
  return (
    <a className="source-link" href={link.href} target="_blank" rel="noreferrer"
      title={t("Machine {id} state intervals {start} – {end}", { id: String(link.machine_id), start: fmtWhen(link.start), end: link.end ? fmtWhen(link.end) : t("now") })}>
      {text}
    </a>
  );
}
