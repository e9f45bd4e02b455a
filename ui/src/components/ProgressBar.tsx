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
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100}
      aria-valuenow={Math.round(value * 100)} aria-label={label ?? t("Progress")}>
      <div className="progress-track">
        <div className={`progress-fill tone-${tone}`} style={{ width: `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%` }} />
      </div>
      <span className="progress-text">{pct}</span>
    </div>
  );
}
