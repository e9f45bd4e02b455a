import type { KpiName } from "./api";
import { kpiValue, OVER_100_HINT, pointsDelta } from "./format";
import { t } from "../i18n";

/** One figure as a button: tapping it opens its explanation. `delta`: against the compared period. */
export function Figure({ label, name, value, big, onExplain, testId, delta }: {
  label: string;
  name: KpiName;
  value: number | null;
  big?: boolean;
  onExplain: () => void;
  testId?: string;
  delta?: { value: number | null; against: string };
}) {
  const over = name === "effectiveness" && value !== null && value > 1;
  const text = kpiValue(name, value);
  const diff = delta && value !== null && delta.value !== null ? value - delta.value : null;
  return (
    <button type="button" className={`fig${big ? " fig-big" : ""}${over ? " fig-over" : ""}`}
      onClick={onExplain} data-testid={testId} aria-label={t("{label} {value} — explain", { label, value: text })}
      title={over ? t(OVER_100_HINT) : t("Explain {label}", { label })}>
      <span className="fig-label">{label}</span>
      <span className="fig-value" data-value={value ?? ""}>{text}</span>
      {delta && (
        <span className={`fig-delta${diff === null ? "" : diff > 0.0005 ? " up" : diff < -0.0005 ? " down" : ""}`}
          data-testid={testId ? `${testId}-delta` : undefined} data-value={diff ?? ""}
          title={t("Change against {period}", { period: delta.against })}>
          {diff === null ? "—" : pointsDelta(diff)}
        </span>
      )}
      {over && <span className="fig-hint">{t("ideal cycle too slow?")}</span>}
    </button>
  );
}
