import type { Convention, Figures, KpiName, ScopeRef } from "./api";
import type { Metric } from "./ExplainPanel";
import { Figure } from "./Figure";
import { conventionLabel, kpiLabel, pct } from "./format";
import type { NamedWindow, RangeKey } from "./windows";
import { t } from "../i18n";

export type Explainer = (scope: ScopeRef, title: string, range: RangeKey, metric: Metric) => void;

export const FACTORS: KpiName[] = ["availability", "effectiveness", "quality_ratio_time_weighted"];

export function factorLabel(k: KpiName, convention: Convention): string {
  return k === "quality_ratio_time_weighted" ? t("Quality") : kpiLabel(k, convention);
}

/** OEE and its three factors of one scope in one window. */
export function FactorBlock({ figures, convention, caption, headline, onExplain, testPrefix, row }: {
  figures: Figures;
  row?: boolean;
  convention: Convention;
  caption: string;
  headline?: { label: string; value: number | null; metric: Metric };
  onExplain: (metric: Metric) => void;
  testPrefix: string;
}) {
  const head = headline ?? { label: "OEE", value: figures.kpis.oee, metric: "oee" as Metric };
  return (
    <div className={`factor-block${row ? " factor-block-row" : ""}`}>
      <div className="factor-caption">{caption}</div>
      <Figure big label={head.label} name="oee" value={head.value} testId={`${testPrefix}-oee`}
        onExplain={() => onExplain(head.metric)} />
      <div className="factor-row">
        {FACTORS.map((k) => (
          <Figure key={k} label={factorLabel(k, convention)} name={k} value={figures.kpis[k]}
            testId={`${testPrefix}-${k}`} onExplain={() => onExplain(k)} />
        ))}
      </div>
    </div>
  );
}

/**
 * A line's output-based OEE (good units out of the last station / line PBT) beside the
 * stations' own figures, so the station that holds the line back stands out.
 */
export function LineCard({ name, today, week, windows, convention, onExplain }: {
  name: string;
  today: Figures;
  week: Figures;
  windows: Record<RangeKey, NamedWindow>;
  convention: Convention;
  onExplain: Explainer;
}) {
  const scope: ScopeRef = { kind: "line", id: today.scope.id };
  const code = today.scope.code;
  const blocks = { today: today.lines?.[0], week: week.lines?.[0] };
  const machines = today.machines ?? [];
  const weekOf = new Map((week.machines ?? []).map((m) => [m.id, m]));
  const defined = machines.filter((m) => m.kpis.oee !== null);
  const lowest = defined.length > 1 ? defined.reduce((a, b) => (b.kpis.oee! < a.kpis.oee! ? b : a)) : null;
  const lowestOf = (f: Figures) => {
    const ms = (f.machines ?? []).filter((m) => m.kpis.oee !== null);
    if (ms.length === 0) return "";
    const m = ms.reduce((a, b) => (b.kpis.oee! < a.kpis.oee! ? b : a));
    return m.code.startsWith(`${code}-`) ? m.code.slice(code.length + 1) : m.code;
  };
  const explain = (range: RangeKey) => (metric: Metric) =>
    onExplain(scope, `${code} — ${metric === "line_oee" ? t("line OEE (output based)") : metric === "oee" ? t("stations combined") : factorLabel(metric, convention)}`, range, metric);

  return (
    <article className="panel line-card" data-testid="line-card" data-line={code}
      data-from={windows.today.from} data-to={windows.today.to}
      data-week-from={windows.week.from} data-week-to={windows.week.to}>
      <header className="card-head">
        <div>
          <h3>{code}</h3>
          <span className="muted">{name}</span>
        </div>
        <span className="conv-tag" title={t("Convention of the figures on this card")}>{conventionLabel(convention)}</span>
      </header>
      <div className="line-windows">
        {(["today", "week"] as RangeKey[]).map((r) => {
          const f = r === "today" ? today : week;
          const block = blocks[r];
          return (
            <div key={r} className="line-window">
              <FactorBlock figures={f} convention={convention} caption={r === "today" ? t("Today") : t("This week")}
                testPrefix={`line-${r}`} row
                headline={{ label: t("Line OEE"), value: block?.oee_output_based ?? null, metric: "line_oee" }}
                onExplain={explain(r)} />
              <div className="line-compare">
                <button type="button" className="mini-fig" data-testid={`line-${r}-stations-oee`}
                  onClick={() => explain(r)("oee")}>
                  {t("Stations combined")} <strong>{pct(block?.stations_combined_oee ?? f.kpis.oee)}</strong>
                </button>
                <span className="mini-fig is-static">{t("Lowest station {code}", { code: lowestOf(f) })} <strong>{pct(block?.lowest_station_oee ?? null)}</strong></span>
              </div>
            </div>
          );
        })}
      </div>
      <table className="stations" aria-label={t("{line} stations, OEE", { line: code })}>
        <thead><tr><th>{t("Station")}</th><th>{t("OEE today")}</th><th className="num">{t("Week")}</th></tr></thead>
        <tbody>
          {machines.map((m) => {
            const w = weekOf.get(m.id);
            const isLow = lowest?.id === m.id;
            return (
              <tr key={m.id} className={isLow ? "is-lowest" : undefined}>
                <th>
                  <span className="mono">{m.code.startsWith(`${code}-`) ? m.code.slice(code.length + 1) : m.code}</span>
                  {isLow && <span className="flag flag-low">{t("lowest")}</span>}
                </th>
                <td>
                  <button type="button" className="station-bar" data-testid="station-oee-today" data-machine={m.code}
                    aria-label={t("{code} OEE today {value} — explain", { code: m.code, value: pct(m.kpis.oee) })}
                    onClick={() => onExplain({ kind: "machine", id: m.id }, `${m.code} — OEE`, "today", "oee")}>
                    <span className="track"><span className="fill" style={{ width: `${Math.min(100, (m.kpis.oee ?? 0) * 100)}%` }} /></span>
                    <span className="val">{pct(m.kpis.oee)}</span>
                  </button>
                </td>
                <td className="num">
                  <button type="button" className="btn-link" aria-label={t("{code} OEE this week {value} — explain", { code: m.code, value: pct(w?.kpis.oee ?? null) })}
                    onClick={() => onExplain({ kind: "machine", id: m.id }, `${m.code} — OEE`, "week", "oee")}>
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
