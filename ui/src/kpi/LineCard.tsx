import type { Convention, DataQuality, Figures, KpiName, Kpis, LineBlock, MachineFigures, ScopeRef, WindowInfo } from "./api";
import { DataQualityFlag } from "./DataQualityFlag";
import type { Metric } from "./ExplainPanel";
import { Figure } from "./Figure";
import { conventionLabel, kpiLabel, OEE_LINE, OEE_STATIONS, pct } from "./format";
import { Link } from "../components/Link";
import { t } from "../i18n";
import { LineQualityFacts } from "../quality/QualityFacts";

/** The two periods the page shows side by side: "a" (the one asked about) and "b" (compared). */
export type Slot = "a" | "b";

export interface SlotInfo {
  /** short caption ("Yesterday", "Shift A, Sat, Dec 5, 06:00–14:00") */
  caption: string;
  from: string;
  to: string;
}

/** One line in one period, taken from the site's answer (its `lines` and `machines`). */
export interface LineView {
  id: number;
  code: string;
  block: LineBlock;
  machines: MachineFigures[];
  window: WindowInfo;
  kpis: Kpis;
  data_quality: DataQuality;
}

/** Every line of a site answer, in set-up order (the flow of material). */
export function linesOf(site: Figures): LineView[] {
  return (site.lines ?? [])
    .map((block) => ({
      id: block.id, code: block.code, block, window: site.window,
      machines: (site.machines ?? []).filter((m) => m.line_id === block.id),
      kpis: block.stations_kpis, data_quality: block.stations_data_quality,
    }))
    .sort((x, y) => x.id - y.id);
}

type Shown = Pick<Figures, "kpis" | "data_quality">;

export type Explainer = (scope: ScopeRef, title: string, slot: Slot, metric: Metric) => void;

export const FACTORS: KpiName[] = ["availability", "effectiveness", "quality_ratio_time_weighted"];

export function factorLabel(k: KpiName, convention: Convention): string {
  return k === "quality_ratio_time_weighted" ? t("Quality") : kpiLabel(k, convention);
}

/** OEE and its three factors of one scope in one window; with `against`, each with its change. */
export function FactorBlock({ figures, convention, caption, headline, onExplain, testPrefix, row, against, againstLabel }: {
  figures: Shown;
  row?: boolean;
  convention: Convention;
  caption: string;
  headline?: { label: string; value: number | null; metric: Metric; against?: number | null };
  onExplain: (metric: Metric) => void;
  testPrefix: string;
  against?: Shown;
  againstLabel?: string;
}) {
  const head = headline ?? { label: t(OEE_STATIONS), value: figures.kpis.oee, metric: "oee" as Metric, against: against?.kpis.oee };
  // Against a period nobody measured there is nothing to compare: no change is shown.
  const unmeasured = (f: Shown | undefined) => (f?.data_quality.no_data_share ?? 0) >= 0.999;
  const comparable = !unmeasured(against) && !unmeasured(figures);
  const delta = (v: number | null | undefined) => (against && againstLabel ? { value: comparable ? v ?? null : null, against: againstLabel } : undefined);
  return (
    <div className={`factor-block${row ? " factor-block-row" : ""}`}>
      <div className="factor-caption">{caption}</div>
      <Figure big label={head.label} name="oee" value={head.value} testId={`${testPrefix}-oee`}
        delta={delta(head.against)} onExplain={() => onExplain(head.metric)} />
      <div className="factor-row">
        {FACTORS.map((k) => (
          <Figure key={k} label={factorLabel(k, convention)} name={k} value={figures.kpis[k]}
            delta={delta(against?.kpis[k])} testId={`${testPrefix}-${k}`} onExplain={() => onExplain(k)} />
        ))}
      </div>
      <DataQualityFlag dq={figures.data_quality} testId={`${testPrefix}-no-data`} compact={row} />
    </div>
  );
}

const shortCode = (code: string, line: string) => (code.startsWith(`${line}-`) ? code.slice(line.length + 1) : code);

/**
 * A line's output-based OEE, "OEE (line output)" (good units out of the last station /
 * line PBT), beside "OEE (stations combined)" and the stations' own figures, so the
 * station that holds the line back stands out. Period "a" carries its change against "b".
 */
export function LineCard({ name, a, b, slots, convention, compare, onExplain }: {
  name: string;
  a: LineView;
  b: LineView | undefined;
  slots: Record<Slot, SlotInfo>;
  convention: Convention;
  compare: boolean;
  onExplain: Explainer;
}) {
  const scope: ScopeRef = { kind: "line", id: a.id };
  const code = a.code;
  const figs = { a, b };
  const blocks = { a: a.block, b: b?.block };
  const machines = a.machines;
  const bOf = new Map((b?.machines ?? []).map((m) => [m.id, m]));
  const defined = machines.filter((m) => m.kpis.oee !== null);
  const lowest = defined.length > 1 ? defined.reduce((x, y) => (y.kpis.oee! < x.kpis.oee! ? y : x)) : null;
  const lowestOf = (f: LineView | undefined) => {
    const ms = (f?.machines ?? []).filter((m) => m.kpis.oee !== null);
    if (ms.length === 0) return "";
    return shortCode(ms.reduce((x, y) => (y.kpis.oee! < x.kpis.oee! ? y : x)).code, code);
  };
  const explain = (slot: Slot) => (metric: Metric) =>
    onExplain(scope, `${code} — ${metric === "line_oee" ? t(OEE_LINE) : metric === "oee" ? t(OEE_STATIONS) : metric === "quality_fpy" ? t("First pass yield") : factorLabel(metric, convention)}`, slot, metric);

  return (
    <article className="panel line-card" data-testid="line-card" data-line={code}
      data-from={a.window.start} data-to={a.window.computed_end} data-b-from={b?.window.start} data-b-to={b?.window.computed_end}>
      <header className="card-head">
        <div>
          <h3>{code}</h3>
          <span className="muted">{name}</span>
        </div>
        <div className="card-head-actions">
          <Link to={`/kpis/shift-report?line=${a.id}&shift=previous`} className="btn btn-small" data-testid="shift-report-link">
            {t("Shift report")}
          </Link>
          <span className="conv-tag" title={t("Convention of the figures on this card")}>{conventionLabel(convention)}</span>
        </div>
      </header>
      <div className="line-windows">
        {(["a", "b"] as Slot[]).map((slot) => {
          const f = figs[slot];
          const block = blocks[slot];
          const other = slot === "a" && compare ? figs.b : undefined;
          if (!f) return <div key={slot} className="line-window muted">{t("No data in this window.")}</div>;
          return (
            <div key={slot} className="line-window">
              <FactorBlock figures={f} convention={convention} caption={slots[slot].caption}
                testPrefix={`line-${slot}`} row against={other} againstLabel={slots.b.caption}
                headline={{ label: t(OEE_LINE), value: block?.oee_output_based ?? null, metric: "line_oee", against: blocks.b?.oee_output_based }}
                onExplain={explain(slot)} />
              <div className="line-compare">
                <button type="button" className="mini-fig" data-testid={`line-${slot}-stations-oee`}
                  onClick={() => explain(slot)("oee")}>
                  {t(OEE_STATIONS)} <strong>{pct(block?.stations_combined_oee ?? f.kpis.oee)}</strong>
                </button>
                <span className="mini-fig is-static">{t("Lowest station {code}", { code: lowestOf(f) })} <strong>{pct(block?.lowest_station_oee ?? null)}</strong></span>
              </div>
              <LineQualityFacts lineId={a.id} from={slots[slot].from} to={slots[slot].to} testPrefix={`line-${slot}`}
                onExplain={() => explain(slot)("quality_fpy")} />
            </div>
          );
        })}
      </div>
      <table className="stations" aria-label={t("{line} stations, OEE", { line: code })}>
        <thead><tr><th>{t("Station")}</th><th>{t("OEE, {period}", { period: slots.a.caption })}</th><th className="num">{slots.b.caption}</th></tr></thead>
        <tbody>
          {machines.map((m) => {
            const w = bOf.get(m.id);
            const isLow = lowest?.id === m.id;
            return (
              <tr key={m.id} className={isLow ? "is-lowest" : undefined}>
                <th>
                  <span className="mono">{shortCode(m.code, code)}</span>
                  {isLow && <span className="flag flag-low">{t("lowest")}</span>}
                </th>
                <td>
                  <button type="button" className="station-bar" data-testid="station-oee-a" data-machine={m.code}
                    aria-label={t("{code} OEE {period} {value} — explain", { code: m.code, period: slots.a.caption, value: pct(m.kpis.oee) })}
                    onClick={() => onExplain({ kind: "machine", id: m.id }, `${m.code} — OEE`, "a", "oee")}>
                    <span className="track"><span className="fill" style={{ width: `${Math.min(100, (m.kpis.oee ?? 0) * 100)}%` }} /></span>
                    <span className="val">{pct(m.kpis.oee)}</span>
                  </button>
                </td>
                <td className="num">
                  <button type="button" className="btn-link" aria-label={t("{code} OEE {period} {value} — explain", { code: m.code, period: slots.b.caption, value: pct(w?.kpis.oee ?? null) })}
                    onClick={() => onExplain({ kind: "machine", id: m.id }, `${m.code} — OEE`, "b", "oee")}>
                    {pct(w?.kpis.oee ?? null)}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </article>
  );
}
