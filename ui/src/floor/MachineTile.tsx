import { fmtDateTime, fmtNumber } from "../format";
import { ElapsedTime } from "./ElapsedTime";
import type { FloorMachine } from "./model";
import { StateIcon } from "./StateIcon";
import { reasonLabel, stateLabel } from "./states";
import { fmtElapsed, useNow } from "./useNow";
import { t } from "../i18n";
import { openMachine } from "../terminal/MachinePanel";

/** Silent this long (the server uses the same limit), the last state is only a guess. */
const SILENT_AFTER_MS = 600_000;

/** The code without its line's prefix: "PNP1" for SMT-1-PNP1 on SMT-1. */
function shortCode(m: FloorMachine): string {
  const prefix = `${m.line_code}-`;
  return m.code.startsWith(prefix) && m.code.length > prefix.length ? m.code.slice(prefix.length) : m.code;
}

/** An open early warning of the live anomaly detector (the Maintenance page's list). */
export interface TileWarning { signals: string[]; started_at: string; alarms: number }

export function MachineTile({ machine: m, skewMs, reasons, inMaintenance = false, warning }: {
  machine: FloorMachine;
  skewMs: number;
  reasons: ReadonlyMap<string, string>;
  inMaintenance?: boolean;
  warning?: TileWarning;
}) {
  const label = stateLabel(m.state);
  const reason = m.reason ? reasonLabel(m.reason, reasons) : null;
  const now = useNow() - skewMs;
  const quietMs = m.last_seen ? now - Date.parse(m.last_seen) : 0;
  const silent = quietMs > SILENT_AFTER_MS;
  return (
    <li className={`tile state-${m.state}${silent ? " is-silent" : ""}`} data-testid="machine-tile" data-machine={m.code}
      aria-label={`${m.code} ${m.name}: ${label}${reason ? `, ${reason}` : ""}`}
      tabIndex={0} onClick={() => openMachine(m.id)} onKeyDown={(e) => (e.key === "Enter" || e.key === " ") && openMachine(m.id)}>
      <div className="tile-head">
        <span className="tile-code" title={m.code}>{shortCode(m)}</span>
        <StateIcon state={m.state} />
      </div>
      <div className="tile-name" title={m.name}>{m.name}</div>
      <div className="tile-status">
        <span className="tile-state" data-testid="machine-state">{label}</span>
        <ElapsedTime since={m.since} skewMs={skewMs} />
      </div>
      <div className="tile-reason" data-testid="machine-reason">
        {reason}
        {m.fault && <span className="tile-fault">{m.fault}</span>}
      </div>
      {inMaintenance && (
        <div className="tile-maint" data-testid="machine-maintenance">{t("In maintenance")}</div>
      )}
      {warning && (
        <div className="tile-warning" data-testid="machine-warning"
          title={t("Early warning since {time}: {count} alarms", { time: fmtDateTime(warning.started_at), count: warning.alarms })}>
          {t("Warning: anomaly in {signals}", { signals: warning.signals.join(", ") || t("its signals") })}
        </div>
      )}
      {silent && (
        <div className="tile-silent" data-testid="machine-silent" title={t("No events received: check the machine's connection")}>
          {t("No data for {time}", { time: fmtElapsed(quietMs) })}
        </div>
      )}
      <div className="tile-counts" aria-label={t("This shift")}>
        <span title={t("Good parts this shift")} data-testid="machine-good"><span className="count-label">{t("Good")}</span> {fmtNumber(m.good)}</span>
        <span title={t("Rejects this shift")} data-testid="machine-reject">
          <span className="count-label">{t("Rej")}</span> {fmtNumber(m.reject)}
        </span>
      </div>
    </li>
  );
}
