import { useWidth } from "../kpi/useWidth";
import { fmtDateTime, fmtDecimal } from "../format";
import { t } from "../i18n";
import type { ChartPoint } from "./api";

const H = 260;
const PAD = { top: 14, right: 86, bottom: 26, left: 56 };

/** A control chart as SVG: the points, the centre line and control limits (stepped where
 * they vary), the specification limits when given, and the points that broke a run rule
 * marked red with the rules named in their tooltip. */
export function ControlChart({ points, spec, label, testId }: {
  points: ChartPoint[];
  spec?: { lsl: number | null; usl: number | null };
  label: string;
  testId: string;
}) {
  const [ref, W] = useWidth<HTMLDivElement>(720);
  if (points.length === 0) return null;
  const ys = points.flatMap((p) => [p.value, p.ucl, p.lcl, p.center]);
  if (spec?.lsl != null) ys.push(spec.lsl);
  if (spec?.usl != null) ys.push(spec.usl);
  let lo = Math.min(...ys);
  let hi = Math.max(...ys);
  if (hi - lo < 1e-12) { hi += 1; lo -= 1; }
  const margin = (hi - lo) * 0.06;
  lo -= margin; hi += margin;
  const plotW = Math.max(120, W - PAD.left - PAD.right);
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const step = (key: "ucl" | "lcl" | "center") =>
    points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  const last = points[points.length - 1];
  const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const ticks = [lo + margin, (lo + hi) / 2, hi - margin];
  return (
    <div ref={ref} className="spc-chart">
      <svg width={W} height={H} role="img" aria-label={label} data-testid={testId}>
        {ticks.map((v) => (
          <text key={v} x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="spc-tick">{fmtDecimal(v, 3)}</text>
        ))}
        {spec?.usl != null && <line x1={PAD.left} x2={PAD.left + plotW} y1={y(spec.usl)} y2={y(spec.usl)} className="spc-spec" data-testid="spc-usl" />}
        {spec?.lsl != null && <line x1={PAD.left} x2={PAD.left + plotW} y1={y(spec.lsl)} y2={y(spec.lsl)} className="spc-spec" data-testid="spc-lsl" />}
        <path d={step("ucl")} className="spc-limit" data-testid="spc-ucl" />
        <path d={step("lcl")} className="spc-limit" data-testid="spc-lcl" />
        <path d={step("center")} className="spc-center" />
        <text x={PAD.left + plotW + 4} y={y(last.ucl) + 4} className="spc-tag">{t("UCL {value}", { value: fmtDecimal(last.ucl, 3) })}</text>
        <text x={PAD.left + plotW + 4} y={y(last.center) + 4} className="spc-tag">{t("CL {value}", { value: fmtDecimal(last.center, 3) })}</text>
        <text x={PAD.left + plotW + 4} y={y(last.lcl) + 4} className="spc-tag">{t("LCL {value}", { value: fmtDecimal(last.lcl, 3) })}</text>
        {spec?.usl != null && <text x={PAD.left + plotW + 4} y={y(spec.usl) - 4} className="spc-tag spc-spec-tag">{t("USL")}</text>}
        {spec?.lsl != null && <text x={PAD.left + plotW + 4} y={y(spec.lsl) + 12} className="spc-tag spc-spec-tag">{t("LSL")}</text>}
        <path d={line} className="spc-line" />
        {points.map((p, i) => {
          const bad = p.violations.length > 0;
          return (
            <circle key={p.index} cx={x(i)} cy={y(p.value)} r={bad ? 5 : 3}
              className={bad ? "spc-point spc-violation" : "spc-point"}
              data-testid={bad ? "spc-violation" : "spc-point"} data-rules={p.violations.join(",")}>
              <title>{`${p.at ? fmtDateTime(p.at) : `#${p.index + 1}`}: ${fmtDecimal(p.value, 4)}${bad ? ` · ${t("rules broken: {rules}", { rules: p.violations.join(", ") })}` : ""}`}</title>
            </circle>
          );
        })}
      </svg>
    </div>
  );
}
