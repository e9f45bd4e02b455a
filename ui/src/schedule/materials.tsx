// What an order waits for before its first operation (from stock and open deliveries),
// and the planning warnings of a plan (short orders, unchecked materials, ...).
import type { MaterialWait } from "./api";
import "./materials.css";
import { fmtPlanTime } from "./bits";
import { t } from "../i18n";


export function materialWaitText(wait: MaterialWait): string {
  if (wait.short || wait.until === null) {
    return t("Short of {missing} {unit} {code} ({name}): no stock or open delivery covers it", { missing: wait.missing, unit: wait.unit, code: wait.code, name: wait.name });
  }
  const until = fmtPlanTime(Date.parse(wait.until));
  const text = t("Waiting for material {code} ({name}) until {time}", { code: wait.code, name: wait.name, time: until });
  return wait.reference ? `${text} ${t("(delivery {reference})", { reference: wait.reference })}` : text;
}

export function MaterialWaitRow({ wait }: { wait: MaterialWait | null | undefined }) {
  if (!wait) return null;
  return (
    <div className={`tip-row material-wait${wait.short ? " short" : ""}`} data-testid="material-wait">
      {materialWaitText(wait)}
    </div>
  );
}

export function PlanWarnings({ warnings }: { warnings: string[] | undefined }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <details className="notice plan-warnings" data-testid="plan-warnings">
      <summary>{t("{count} planning warnings", { count: warnings.length })}</summary>
      <ul>{warnings.map((w) => <li key={w}>{w}</li>)}</ul>
    </details>
  );
}
