// Labour of the running shift per operator: attendance (APAT), work (APWT), worker
// efficiency APWT/APAT, idle time by cause; supervisors clock people in and out here.
import { useState } from "react";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime } from "../format";
import { msg, t } from "../i18n";
import { useCan } from "../session";
import { useApi } from "../useApi";
import { clock, getShiftLabour, getWorkIntervals } from "./api";

export const CAUSE_LABEL: Record<string, string> = {
  no_assignment: msg("No assignment"),
  machine_down: msg("Machine down"),
  starved: msg("Starved"),
  blocked: msg("Blocked"),
  no_material: msg("No material"),
  waiting_setup: msg("Waiting for setup"),
};

const minutes = (s: number) => `${Math.round(s / 60)} min`;

export function LabourPanel() {
  const data = useApi(() => getShiftLabour("current"), []);
  const where = useApi(getWorkIntervals, []);
  const canClock = useCan("allocation:write");
  const [error, setError] = useState<unknown>();
  const act = async (action: "in" | "out", id: number) => {
    setError(undefined);
    try {
      await clock(action, id);
      data.reload();
      where.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" data-testid="labour">
      <h2>{t("Labour this shift")}</h2>
      <p className="muted">{t("Worker efficiency = work time with an operation running (APWT) / attendance (APAT), ISO 22400.")}</p>
      {error !== undefined && <ErrorState error={error} />}
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>{t("Operator")}</th><th>{t("Station")}</th><th>{t("Clocked in")}</th><th>{t("Attendance")}</th>
                <th>{t("Work")}</th><th>{t("Efficiency")}</th><th>{t("Idle by cause")}</th><th></th>
              </tr>
            </thead>
            <tbody>
              {data.data.rows.map((r) => (
                <tr key={r.operator_id} data-testid={`labour-${r.code}`}>
                  <td>{r.name}</td>
                  <td>{r.station ?? "—"}</td>
                  <td>{r.clocked_in_since ? fmtDateTime(r.clocked_in_since) : "—"}</td>
                  <td>{minutes(r.attendance_s)}</td>
                  <td>{minutes(r.work_s)}</td>
                  <td>{r.efficiency === null ? "—" : `${Math.round(r.efficiency * 100)} %`}</td>
                  <td>{Object.entries(r.idle).filter(([, s]) => s >= 30).map(([c, s]) => `${t(CAUSE_LABEL[c] ?? c)} ${minutes(s)}`).join(" · ") || "—"}</td>
                  <td>{canClock && (r.clocked_in_since
                    ? <button type="button" className="btn btn-small" onClick={() => void act("out", r.operator_id)}>{t("Clock out")}</button>
                    : <button type="button" className="btn btn-small" onClick={() => void act("in", r.operator_id)}>{t("Clock in")}</button>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>{t("Who worked where")}</h3>
      <ul data-testid="work-intervals">
        {(where.data ?? []).map((w, i) => (
          <li key={i}>{w.operator_name} · {w.line_code}{w.machine_name ? ` / ${w.machine_name}` : ""} · {fmtDateTime(w.started_at)} – {w.ended_at ? fmtDateTime(w.ended_at) : t("now")}</li>
        ))}
      </ul>
    </section>
  );
}
