import { useId } from "react";
import { useWidth } from "./useWidth";
import type { ParetoMeasure, ParetoRow } from "./api";
import { num, pct, span } from "./format";
import { fmtDecimal } from "../format";
import { t } from "../i18n";

const H = 290;
const PAD = { top: 16, right: 48, bottom: 92, left: 58 };
const MAX_BARS = 10;

function niceTop(v: number): number {
  if (v <= 0) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  // quarters of these stay round: the axis has four steps
  for (const f of [1, 2, 4, 6, 8, 10]) if (f * mag >= v) return Math.max(4, f * mag);
  return 10 * mag;
}

function short(text: string, max = 20): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The downtime Pareto: bars (largest first) against the left axis, the cumulative share
 * as a line against the right axis. Beyond ten groups the rest form one "Others" bar.
 */
export function ParetoChart({ title, rows, measure, labelOf }: {
  title: string;
  rows: ParetoRow[];
  measure: ParetoMeasure;
  labelOf: (key: string) => string;
}) {
  const id = useId();
  const [ref, W] = useWidth<HTMLElement>(720);
  const value = (r: ParetoRow) => (measure === "count" ? r.count : r.duration_s);
  let shown = rows;
  if (rows.length > MAX_BARS) {
    const rest = rows.slice(MAX_BARS - 1);
    shown = [
      ...rows.slice(0, MAX_BARS - 1),
      {
        key: `__others__${rest.length}`,
        duration_s: rest.reduce((a, r) => a + r.duration_s, 0),
        count: rest.reduce((a, r) => a + r.count, 0),
        share: rest.reduce((a, r) => a + (r.share ?? 0), 0),
        cumulative_share: 1,
      },
    ];
  }
  const label = (key: string) => (key.startsWith("__others__") ? t("Others ({count})", { count: Number(key.slice(10)) }) : labelOf(key));
  const fmt = (v: number) => (measure === "count" ? t("{count} stops", { count: v }) : span(v));
  const peak = Math.max(...shown.map(value), 0);
  const unit = measure === "count" ? 1 : peak >= 7200 ? 3600 : 60; // round ticks in min or h
  const top = niceTop(peak / unit) * unit;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, shown.length);
  const barW = Math.min(56, step * 0.68);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const y = (v: number) => PAD.top + plotH * (1 - v / top);
  const yc = (share: number) => PAD.top + plotH * (1 - share);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const axisValue = (v: number) => (measure === "count" ? num(v) : v >= 3600 ? `${fmtDecimal(v / 3600)} h` : `${Math.round(v / 60)} min`);
  const line = shown.map((r, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${yc(r.cumulative_share ?? 0).toFixed(1)}`).join("");

  return (
    <figure className="chart pareto-chart" ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t`} className="chart-svg">
        <title id={`${id}-t`}>{title}</title>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={W - PAD.right} y1={yc(tick)} y2={yc(tick)} className="grid" />
            <text x={PAD.left - 8} y={yc(tick) + 4} className="axis-label" textAnchor="end">{axisValue(top * tick)}</text>
            <text x={W - PAD.right + 8} y={yc(tick) + 4} className="axis-label">{Math.round(tick * 100)} %</text>
          </g>
        ))}
        {shown.map((r, i) => {
          const v = value(r);
          const unassigned = r.key === "unassigned";
          return (
            <g key={r.key} data-testid="pareto-bar" data-key={r.key}>
              <rect x={x(i) - barW / 2} y={y(v)} width={barW} height={Math.max(0, PAD.top + plotH - y(v))}
                rx={3} className={unassigned ? "bar bar-unassigned" : "bar"}>
                <title>{t("{label}: {value} ({share}, cumulative {cumulative})", { label: label(r.key), value: fmt(v), share: pct(r.share), cumulative: pct(r.cumulative_share ?? 0) })}</title>
              </rect>
              <text x={x(i)} y={y(v) - 5} className="bar-value" textAnchor="middle">
                {measure === "count" ? num(v) : axisValue(v)}
              </text>
              <text transform={`translate(${x(i) + 4},${PAD.top + plotH + 14}) rotate(-35)`}
                className="axis-label bar-label" textAnchor="end">
                {short(label(r.key))}
              </text>
            </g>
          );
        })}
        <path d={line} fill="none" className="cumulative" />
        {shown.map((r, i) => (
          <circle key={r.key} cx={x(i)} cy={yc(r.cumulative_share ?? 0)} r={3.5} className="cumulative-dot">
            <title>{t("Cumulative up to {label}: {value}", { label: label(r.key), value: pct(r.cumulative_share ?? 0) })}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend-item"><span className="swatch swatch-bar" />{measure === "count" ? t("Stops") : t("Lost time")}</span>
        <span className="legend-item"><span className="swatch swatch-unassigned" />{t("Unassigned")}</span>
        <span className="legend-item">
          <svg width="26" height="10" aria-hidden="true"><line x1="1" x2="25" y1="5" y2="5" className="cumulative" /></svg>
          {t("Cumulative share")}
        </span>
      </figcaption>
      <table className="sr-only" data-testid="pareto-table">
        <caption>{title}</caption>
        <thead><tr><th>{t("Group")}</th><th>{t("Lost time")}</th><th>{t("Stops")}</th><th>{t("Share")}</th><th>{t("Cumulative")}</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}><th>{labelOf(r.key)}</th><td>{span(r.duration_s)}</td><td>{r.count}</td><td>{pct(r.share)}</td><td>{pct(r.cumulative_share ?? 0)}</td></tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
