// The live anomaly detector's stored early warnings (one per episode): on the
// Maintenance page for every machine the user sees, and in a machine's signals view.
// Acknowledge, resolve (closes the episode) and "Create order" show only to roles that
// may execute maintenance.
import { useState } from "react";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { useApi } from "../useApi";
import { acknowledgeWarning, listWarnings, orderFromWarning, resolveWarning, type Warning } from "./api";

const STATUS: Record<string, string> = { open: msg("Open"), acknowledged: msg("Acknowledged"), resolved: msg("Resolved") };

export function Warnings({ machineId, canExecute, onOrdered, testId }: {
  machineId?: number; canExecute: boolean; onOrdered: () => void; testId: string;
}) {
  const [showResolved, setShowResolved] = useState(false);
  const all = useApi(
    () => listWarnings({ ...(machineId === undefined ? {} : { machine_id: machineId }), limit: 200 }),
    [machineId],
  );
  const list = { ...all, data: all.data?.filter((w) => showResolved || w.status !== "resolved") };
  const [failed, setFailed] = useState<unknown>();
  const act = async (action: () => Promise<unknown>, ordered = false) => {
    setFailed(undefined);
    try {
      await action();
      if (ordered) onOrdered();
    } catch (err) {
      setFailed(err);
    }
    all.reload();
  };
  const row = (w: Warning) => (
    <tr key={w.id} data-testid="warning-row" data-status={w.status} data-signals={w.signals.join(",")}>
      {machineId === undefined && <td>{w.machine_code}</td>}
      <td>{fmtDateTime(w.started_at)}</td>
      <td>{fmtDateTime(w.last_at)}</td>
      <td>{w.signals.join(", ")}</td>
      <td className="num">{w.alarms}</td>
      <td className="num">{fmtDecimal(w.score, 2)}</td>
      <td>{t(STATUS[w.status] ?? w.status)}</td>
      <td>{w.order_id === null ? "–" : t("Order #{id}", { id: w.order_id })}</td>
      <td>
        {canExecute && w.order_id === null && w.status !== "resolved" && (
          <button type="button" className="btn btn-small" data-testid="warning-order"
            onClick={() => void act(() => orderFromWarning(w.id), true)}>{t("Create order")}</button>
        )}{" "}
        {canExecute && w.status === "open" && (
          <button type="button" className="btn btn-small" onClick={() => void act(() => acknowledgeWarning(w.id))}>{t("Acknowledge")}</button>
        )}{" "}
        {canExecute && w.status !== "resolved" && (
          <button type="button" className="btn btn-small" data-testid="warning-resolve"
            onClick={() => void act(() => resolveWarning(w.id))}>{t("Resolve")}</button>
        )}
      </td>
    </tr>
  );
  return (
    <div data-testid={testId}>
      <label className="field-inline">
        <input type="checkbox" checked={showResolved} onChange={(e) => setShowResolved(e.target.checked)} />
        <span>{t("Show resolved warnings")}</span>
      </label>
      {failed !== undefined && <ErrorState error={failed} />}
      {list.error !== undefined && !list.data ? <ErrorState error={list.error} onRetry={list.reload} /> :
        !list.data ? <Loading /> : list.data.length === 0 ? <Empty>{t("No early warnings.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  {machineId === undefined && <th>{t("Machine")}</th>}
                  <th>{t("First alarm ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Last alarm ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Signals")}</th>
                  <th className="num">{t("Alarms")}</th>
                  <th className="num">{t("Score")}</th>
                  <th>{t("Status")}</th>
                  <th>{t("Order")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>{list.data.map(row)}</tbody>
            </table>
          </div>
        )}
    </div>
  );
}
