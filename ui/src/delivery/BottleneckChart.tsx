import { useWidth } from "../kpi/useWidth";
import { fmtDateTimeShort, fmtPercent } from "../format";
import { t } from "../i18n";
import type { BottleneckWindow } from "./api";

const ROW = 26;
const PAD = { top: 8, right: 60, left: 150 };
const SOLE = "#c0392b";
const SHIFTING = "#f0a35e";

/** Per period: the lines that were bottleneck, as bars of sole and shifting share; the
 * planned bottleneck (highest plan utilization) is named at the end of the row. */
export function BottleneckChart({ windows }: { windows: BottleneckWindow[] }) {
  const [ref, W] = useWidth<HTMLDivElement>(720);
  const plotW = Math.max(80, W - PAD.left - PAD.right);
  const H = PAD.top + windows.length * ROW + 8;
  return (
    <div ref={ref} className="delivery-chart">
      <svg width={W} height={H} role="img" aria-label={t("Bottleneck share per period")} data-testid="bottleneck-chart">
        {windows.map((w, i) => {
          const y = PAD.top + i * ROW;
          let x = PAD.left;
          return (
            <g key={w.start} data-testid="bottleneck-row" data-top={w.top ?? ""} data-planned-top={w.planned_top ?? ""}>
              <text x={PAD.left - 6} y={y + ROW / 2 + 4} textAnchor="end" className="delivery-label">{fmtDateTimeShort(w.start)}</text>
              {w.shares.map((s) => {
                const parts = [
                  { v: s.sole, color: SOLE, label: t("sole") },
                  { v: s.shifting, color: SHIFTING, label: t("shifting") },
                ];
                return parts.map((p) => {
                  if (p.v <= 0) return null;
                  const width = p.v * plotW;
                  const rect = (
                    <rect key={`${s.line_code}-${p.label}`} x={x} y={y + 3} width={Math.max(1, width)} height={ROW - 6}
                      fill={p.color} stroke="#fff" data-line={s.line_code}>
                      <title>{`${s.line_code} · ${p.label}: ${fmtPercent(p.v)}`}</title>
                    </rect>
                  );
                  x += width;
                  return rect;
                });
              })}
              <text x={PAD.left + 4} y={y + ROW / 2 + 4} className="delivery-bar-text">{w.top ?? "–"}</text>
              <text x={W - PAD.right + 4} y={y + ROW / 2 + 4} className="delivery-label muted">{w.planned_top ?? ""}</text>
            </g>
          );
        })}
      </svg>
      <ul className="delivery-legend" aria-label={t("Legend")}>
        <li><span className="swatch" style={{ background: SOLE }} />{t("sole bottleneck")}</li>
        <li><span className="swatch" style={{ background: SHIFTING }} />{t("shifting bottleneck")}</li>
        <li>{t("right: planned bottleneck (highest plan utilization)")}</li>
      </ul>
    </div>
  );
}
