import { fmtPercent } from "../format";
import { t } from "../i18n";

/** A horizontal bar with the percentage beside it; `tone` colours the fill. */
export function ProgressBar({
  value,
  tone = "default",
  label,
}: {
  value: number;
  tone?: "default" | "done" | "late";
  label?: string;
}) {
  const pct = fmtPercent(value);
  // Floored like the text: 299/300 is 99 % for screen readers and the bar too, not 100 %.
  const whole = Math.floor(Math.max(0, Math.min(1, value)) * 100 + 1e-6);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100}
      aria-valuenow={whole} aria-label={label ?? t("Progress")}>
      <div className="progress-track">
        <div className={`progress-fill tone-${tone}`} style={{ width: `${whole}%` }} />
      </div>
      <span className="progress-text">{pct}</span>
    </div>
  );
}
