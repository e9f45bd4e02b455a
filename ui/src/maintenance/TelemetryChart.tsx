import { useWidth } from "../kpi/useWidth";
import { fmtDateTimeShort, fmtDecimal } from "../format";
import { t } from "../i18n";
import type { Signal } from "./api";

const H = 120;
const PAD = { top: 10, right: 12, bottom: 22, left: 56 };

/** One signal over the window: the mean as a line, min to max as a band (a spike survives
 *  downsampling), the axis in the site's zone. */
export function TelemetryChart({ signal, from, to }: { signal: Signal; from: string; to: string }) {
  const [ref, W] = useWidth<HTMLDivElement>(720);
  const t0 = Date.parse(from);
  const t1 = Date.parse(to);
  const b = signal.buckets;
  const lo = Math.min(...b.map((x) => x.min));
  const hi = Math.max(...b.map((x) => x.max));
  const span = hi - lo || 1;
  const plotW = Math.max(80, W - PAD.left - PAD.right);
  const plotH = H - PAD.top - PAD.bottom;
  const x = (iso: string) => PAD.left + ((Date.parse(iso) - t0) / Math.max(1, t1 - t0)) * plotW;
  const y = (v: number) => PAD.top + (1 - (v - lo) / span) * plotH;
  const line = b.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.start).toFixed(1)},${y(p.mean).toFixed(1)}`).join(" ");
  const band = b.length === 0 ? "" :
    b.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.start).toFixed(1)},${y(p.max).toFixed(1)}`).join(" ") + " " +
    [...b].reverse().map((p) => `L${x(p.start).toFixed(1)},${y(p.min).toFixed(1)}`).join(" ") + " Z";
  const label = signal.unit ? `${signal.signal} (${signal.unit})` : signal.signal;
  return (
    <div ref={ref} className="maint-chart">
      <svg width={W} height={H} role="img" aria-label={t("Signal {signal} over time", { signal: label })}
        data-testid="telemetry-chart" data-signal={signal.signal} data-points={b.length}>
        <text x={4} y={PAD.top + 8} className="maint-axis">{fmtDecimal(hi)}</text>
        <text x={4} y={PAD.top + plotH} className="maint-axis">{fmtDecimal(lo)}</text>
        <text x={PAD.left} y={H - 6} className="maint-axis">{fmtDateTimeShort(from)}</text>
        <text x={PAD.left + plotW} y={H - 6} textAnchor="end" className="maint-axis">{fmtDateTimeShort(to)}</text>
        <path d={band} className="maint-band" />
        <path d={line} className="maint-line" fill="none" />
      </svg>
      <div className="muted">{label}</div>
    </div>
  );
}
