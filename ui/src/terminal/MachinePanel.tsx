// A machine opened from its floor tile: its state history today (in the site's zone),
// the operation its line runs and who has worked on it at a terminal.
import { useEffect, useState } from "react";
import { get, type Schemas } from "../api";
import { stateLabel } from "../floor/states";
import { fmtDuration, fmtNumber, fmtTime, zoneLabel } from "../format";
import { t } from "../i18n";
import { siteZone } from "../site";
import { localDate, localMidnight } from "../zoned";

type Status = Schemas["MachineStatusOut"];
type Intervals = Schemas["MachineIntervalsOut"];
type People = Schemas["OperationPeopleOut"];

/** Dispatched by a floor tile; the floor page shows this panel for the machine. */
export const OPEN_MACHINE_EVENT = "linewise:open-machine";

export function openMachine(machineId: number): void {
  window.dispatchEvent(new CustomEvent(OPEN_MACHINE_EVENT, { detail: machineId }));
}

export function MachinePanelHost() {
  const [machineId, setMachineId] = useState<number | null>(null);
  useEffect(() => {
    const open = (e: Event) => setMachineId((e as CustomEvent<number>).detail);
    window.addEventListener(OPEN_MACHINE_EVENT, open);
    return () => window.removeEventListener(OPEN_MACHINE_EVENT, open);
  }, []);
  if (machineId === null) return null;
  return <MachinePanel key={machineId} machineId={machineId} onClose={() => setMachineId(null)} />;
}

function MachinePanel({ machineId, onClose }: { machineId: number; onClose: () => void }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [history, setHistory] = useState<Intervals | null>(null);
  const [people, setPeople] = useState<People | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const now = Date.now();
    const from = new Date(localMidnight(siteZone(), localDate(siteZone(), now))).toISOString();
    get<Status>(`/machines/${machineId}/status`).then((s) => {
      setStatus(s);
      if (s.order) get<People>(`/terminal/operations/${s.order.operation_id}/people`).then(setPeople, () => {});
    }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    get<Intervals>(`/machines/${machineId}/intervals`, { from }).then(setHistory, () => {});
  }, [machineId]);

  const now = Date.now();
  const seconds = (i: Intervals["items"][number]) => ((i.end ? Date.parse(i.end) : now) - Date.parse(i.start)) / 1000;
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal machine-panel" role="dialog" aria-modal="true" aria-labelledby="machine-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="machine-title">{status ? `${status.code} · ${status.name}` : t("Machine")}</h2>
        <div className="modal-body">
          {error && <p className="text-late" role="alert">{error}</p>}
          {status && (
            <p>
              <strong>{stateLabel(status.state)}</strong>
              {status.since && <> · {t("since {time}", { time: fmtTime(status.since) })}</>}
            </p>
          )}
          <h3>{t("Current operation")}</h3>
          {status?.order ? (
            <p data-testid="machine-operation">
              {t("{order} step {seq} ({name}): {good} of {quantity} good", {
                order: status.order.number, seq: status.order.seq, name: status.order.name,
                good: fmtNumber(status.order.good), quantity: fmtNumber(status.order.quantity),
              })}
            </p>
          ) : <p className="muted">{t("No operation running on this line.")}</p>}
          <h3>{t("Who is on it")}</h3>
          {people && people.people.length > 0 ? (
            <ul data-testid="machine-people">
              {people.people.map((p) => <li key={p.name}>{t("{name}, last action {time}", { name: p.name, time: fmtTime(p.last_action_at) })}</li>)}
            </ul>
          ) : <p className="muted">{t("Nobody has reported on it at a terminal lately.")}</p>}
          <h3>{t("State history today")}</h3>
          <p className="muted">{zoneLabel()}</p>
          {history && history.items.length > 0 ? (
            <table className="table" data-testid="machine-history">
              <tbody>
                {history.items.map((i) => (
                  <tr key={i.id}>
                    <td>{fmtTime(i.start)}</td>
                    <td>{stateLabel(i.state)}</td>
                    <td>{fmtDuration(seconds(i))}</td>
                    <td>{i.reason ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <p className="muted">{t("No state changes today.")}</p>}
        </div>
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onClose}>{t("Close")}</button>
        </div>
      </div>
    </div>
  );
}
