// What an order waits for before its first operation (from stock and open deliveries),
// and the planning warnings of a plan (short orders, unchecked materials, ...).
import type { MaterialWait } from "./api";
import "./materials.css";

const fmtWhen = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

export function materialWaitText(wait: MaterialWait): string {
  if (wait.short || wait.until === null) {
    return `Short of ${wait.missing.toLocaleString()} ${wait.unit} ${wait.code} (${wait.name}): no stock or open delivery covers it`;
  }
  const receipt = wait.reference ? ` (delivery ${wait.reference})` : "";
  return `Waiting for material ${wait.code} (${wait.name}) until ${fmtWhen.format(Date.parse(wait.until))}${receipt}`;
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
      <summary>{warnings.length === 1 ? "1 planning warning" : `${warnings.length} planning warnings`}</summary>
      <ul>{warnings.map((w) => <li key={w}>{w}</li>)}</ul>
    </details>
  );
}
