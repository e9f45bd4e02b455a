import type { KpiName } from "./api";
import { kpiValue, OVER_100_HINT } from "./format";

/** One figure as a button: tapping it opens its explanation. */
export function Figure({ label, name, value, big, onExplain, testId }: {
  label: string;
  name: KpiName;
  value: number | null;
  big?: boolean;
  onExplain: () => void;
  testId?: string;
}) {
  const over = name === "effectiveness" && value !== null && value > 1;
  const text = kpiValue(name, value);
  return (
    <button type="button" className={`fig${big ? " fig-big" : ""}${over ? " fig-over" : ""}`}
      onClick={onExplain} data-testid={testId} aria-label={`${label} ${text} — explain`}
      title={over ? OVER_100_HINT : `Explain ${label}`}>
      <span className="fig-label">{label}</span>
      <span className="fig-value" data-value={value ?? ""}>{text}</span>
      {over && <span className="fig-hint">ideal cycle too slow?</span>}
    </button>
  );
}
