import { useWidth } from "../kpi/useWidth";
import { fmtDecimal } from "../format";
import { t } from "../i18n";
import type { MachineIdle } from "./api";
import { CAUSES } from "./causes";

const ROW = 22;
const PAD = { top: 8, right: 72, left: 132 };

/** Idle minutes per machine as horizontal bars stacked by cause, largest first. */
export function IdleChart({ machines }: { machines: MachineIdle[] }) {
  const [ref, W] = useWidth<HTMLDivElement>(720);
  const rows = [...machines].sort((a, b) => b.idle_minutes - a.idle_minutes || a.machine_code.localeCompare(b.machine_code));
  const peak = Math.max(1, ...rows.map((r) => r.idle_minutes));
  const plotW = Math.max(80, W - PAD.left - PAD.right);
  const H = PAD.top + rows.length * ROW + 8;
  return (
    <div ref={ref} className="idle-chart">
      <svg width={W} height={H} role="img" aria-label={t("Idle minutes per machine by cause")} data-testid="idle-chart">
        {rows.map((r, i) => {
          const y = PAD.top + i * ROW;
          let x = PAD.left;
          return (
            <g key={r.machine_id} data-testid="idle-bar" data-machine={r.machine_code} data-minutes={r.idle_minutes}>
              <text x={PAD.left - 6} y={y + ROW / 2 + 4} textAnchor="end" className="idle-label">{r.machine_code}</text>
              {CAUSES.map((c) => {
                const v = r.by_cause[c.key];
                if (v <= 0) return null;
                const w = (v / peak) * plotW;
                const rect = (
                  <rect key={c.key} x={x} y={y + 3} width={Math.max(1, w)} height={ROW - 6} fill={c.color}
                    data-cause={c.key}>
                    <title>{`${r.machine_code} · ${t(c.label)}: ${t("{minutes} min", { minutes: fmtDecimal(v) })}`}</title>
                  </rect>
                );
                x += w;
                return rect;
              })}
              <text x={x + 4} y={y + ROW / 2 + 4} className="idle-value">{t("{minutes} min", { minutes: fmtDecimal(r.idle_minutes) })}</text>
            </g>
          );
        })}
      </svg>
      <ul className="idle-legend" aria-label={t("Causes")}>
        {CAUSES.map((c) => (
          <li key={c.key}><span className="swatch" style={{ background: c.color }} />{t(c.label)}</li>
        ))}
      </ul>
    </div>
  );
}
