import type { KpiName } from "./api";
import { kpiValue, OVER_100_HINT } from "./format";
import { t } from "../i18n";

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
      onClick={onExplain} data-testid={testId} aria-label={t("{label} {value} — explain", { label, value: text })}
      title={over ? t(OVER_100_HINT) : t("Explain {label}", { label })}>
      <span className="fig-label">{label}</span>
      <span className="fig-value" data-value={value ?? ""}>{text}</span>
      {over && <span className="fig-hint">{t("ideal cycle too slow?")}</span>}
    </button>
  );
}
