import { useId } from "react";
import { useWidth } from "./useWidth";
import type { KpiName, TrendBucket } from "./api";
import { bucketLabel, pct } from "./format";
import { t } from "../i18n";

export interface Series {
  key: KpiName;
  label: string;
  color: string;
  dash?: string;
}

const H = 260;
const PAD = { top: 14, right: 16, bottom: 30, left: 46 };

/**
 * OEE and its factors per bucket as lines (hand-drawn SVG). Each series has its own colour
 * and dash pattern; every point carries its value as a <title>, and a table with all values
 * is there for screen readers. Tapping a bucket opens its explanation.
 */
export function TrendChart({ title, buckets, series, onSelect }: {
  title: string;
  buckets: TrendBucket[];
  series: Series[];
  onSelect?: (bucket: TrendBucket) => void;
}) {
  const id = useId();
  const [ref, W] = useWidth<HTMLElement>(720);
  const values = buckets.flatMap((b) => series.map((s) => b.kpis[s.key] ?? 0));
  const top = Math.max(1, Math.ceil(Math.max(0, ...values) * 4) / 4);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, buckets.length);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const y = (v: number) => PAD.top + plotH * (1 - v / top);
  const ticks = [];
  for (let t = 0; t <= top + 1e-9; t += top > 1 ? 0.5 : 0.25) ticks.push(t);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.max(1, Math.floor(plotW / 52))));

  const path = (key: KpiName) => {
    let d = "";
    let pen = false;
    buckets.forEach((b, i) => {
      const v = b.kpis[key];
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };

  return (
    <figure className="chart trend-chart" ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t`} className="chart-svg">
        <title id={`${id}-t`}>{title}</title>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)}
              className={tick === 1 ? "grid grid-100" : "grid"} />
            <text x={PAD.left - 8} y={y(tick) + 4} className="axis-label" textAnchor="end">{Math.round(tick * 100)} %</text>
          </g>
        ))}
        {buckets.map((b, i) =>
          i % labelEvery === 0 ? (
            <text key={b.label} x={x(i)} y={H - 10} className="axis-label" textAnchor="middle">{bucketLabel(b.label)}</text>
          ) : null,
        )}
        {series.map((s) => (
          <path key={s.key} d={path(s.key)} fill="none" stroke={s.color} strokeWidth={s.key === "oee" ? 3 : 2}
            strokeDasharray={s.dash} strokeLinejoin="round" strokeLinecap="round" />
        ))}
        {series.map((s) =>
          buckets.map((b, i) => {
            const v = b.kpis[s.key];
            return v === null ? null : (
              <circle key={`${s.key}-${b.label}`} cx={x(i)} cy={y(v)} r={s.key === "oee" ? 4 : 3} fill={s.color} data-series={s.key} data-bucket={b.start}>
                <title>{`${s.label} ${bucketLabel(b.label)}: ${pct(v)}`}</title>
              </circle>
            );
          }),
        )}
        {onSelect && buckets.map((b, i) => (
          <rect key={`hit-${b.label}`} x={x(i) - step / 2} y={PAD.top} width={step} height={plotH}
            className="hit" role="button" tabIndex={0}
            aria-label={t("Explain {bucket}: OEE {value}", { bucket: bucketLabel(b.label), value: pct(b.kpis.oee) })}
            onClick={() => onSelect(b)}
            onKeyDown={(e) => {
              if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                onSelect(b);
              }
            }}>
            <title>{`${bucketLabel(b.label)} — ${series.map((s) => `${s.label} ${pct(b.kpis[s.key])}`).join(", ")}`}</title>
          </rect>
        ))}
      </svg>
      <figcaption className="chart-legend">
        {series.map((s) => (
          <span key={s.key} className="legend-item">
            <svg width="26" height="10" aria-hidden="true">
              <line x1="1" x2="25" y1="5" y2="5" stroke={s.color} strokeWidth={3} strokeDasharray={s.dash} />
            </svg>
            {s.label}
          </span>
        ))}
      </figcaption>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr><th>{t("Bucket")}</th>{series.map((s) => <th key={s.key}>{s.label}</th>)}</tr>
        </thead>
        <tbody>
          {buckets.map((b) => (
            <tr key={b.label}><th>{bucketLabel(b.label)}</th>{series.map((s) => <td key={s.key}>{pct(b.kpis[s.key])}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
