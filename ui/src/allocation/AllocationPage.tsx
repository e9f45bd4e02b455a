// The supervisor's allocation board (/allocation): operators × stations for this and the
// next shift. Drag an operator onto a station, or tap the operator and then the station
// (touch and keyboard). Every change is checked first; a conflict is shown with its
// reason and nothing is saved. Other open boards follow live (the hub's "allocation").
import { useCallback, useState, type DragEvent } from "react";
import { ApiError } from "../api";
import { PageHeader } from "../components/PageHeader";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import {
  checkChange, getBoard, getHistory, rollbackTo, saveChange,
  type Board, type BoardOperator, type ChangeIn, type Conflict, type Which,
} from "./api";
import { AbsencesPanel } from "./AbsencesPanel";
import { LabourPanel } from "./LabourPanel";
import { SkillMatrix } from "./SkillMatrix";
import { useAllocationEvents } from "./useAllocationEvents";
import "./allocation.css";

export const CONFLICT_LABEL: Record<string, string> = {
  double_booking: msg("Double booking"),
  missing_skill: msg("Missing skill"),
  expired_certification: msg("Certification expired"),
  outside_shift: msg("Outside the operator's shift"),
  absent: msg("Absent"),
  machine_down: msg("Machine down"),
  maintenance: msg("In maintenance"),
  base_version: msg("Changed meanwhile"),
};

const ACTION_LABEL: Record<string, string> = {
  assign: msg("assigned"),
  move: msg("moved"),
  unassign: msg("removed"),
  rollback: msg("restored"),
};

type Picked = { operatorId: number; fromStation: boolean };
type Target = { lineId: number; machineId: number | null };

export function AllocationPage() {
  const [which, setWhich] = useState<Which>("next");
  const board = useApi(() => getBoard(which), [which]);
  const key = board.data?.shift.key;
  const history = useApi(() => (key ? getHistory(key) : Promise.resolve([])), [key]);
  const { reload } = board;
  const reloadHistory = history.reload;
  useAllocationEvents(useCallback((m) => {
    if (m.shift_key === key) {
      reload();
      reloadHistory();
    }
  }, [key, reload, reloadHistory]));
  const tabs = (
    <nav className="admin-tabs" aria-label={t("Shift")}>
      {(["current", "next"] as Which[]).map((w) => (
        <button key={w} type="button" className={`btn btn-small${w === which ? " btn-primary" : ""}`} aria-pressed={w === which}
          data-testid={`shift-${w}`} onClick={() => setWhich(w)}>
          {w === "current" ? t("This shift") : t("Next shift")}
        </button>
      ))}
    </nav>
  );
  return (
    <>
      <PageHeader title={t("Allocation")} subtitle={<>{t("Who works where, per shift.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />
      {tabs}
      {board.error ? <ErrorState error={board.error} onRetry={reload} />
        : !board.data ? <Loading />
        : <BoardView board={board.data} history={history.data ?? []} onSaved={() => { reload(); reloadHistory(); }} />}
      {board.data && <SkillMatrix board={board.data} onChanged={reload} />}
      {board.data && <AbsencesPanel operators={board.data.operators} onChanged={reload} />}
      <LabourPanel />
    </>
  );
}

function BoardView({ board, history, onSaved }: { board: Board; history: import("./api").Version[]; onSaved: () => void }) {
  const canWrite = useCan("allocation:write");
  const denied = useDeniedReason("allocation:write");
  const [picked, setPicked] = useState<Picked | null>(null);
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [error, setError] = useState<unknown>();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState("");
  const operators = new Map(board.operators.map((o) => [o.id, o]));
  const shift = board.shift;

  const apply = async (operatorId: number, target: Target | null, fromStation: boolean) => {
    setError(undefined);
    setConflicts([]);
    setNotice("");
    const body: ChangeIn = {
      site_id: board.site_id, shift_key: shift.key, base_version: board.version,
      action: target === null ? "unassign" : fromStation ? "move" : "assign",
      operator_id: operatorId, line_id: target?.lineId ?? null, machine_id: target?.machineId ?? null, reason,
    };
    setBusy(true);
    try {
      if (target !== null) {
        const found = (await checkChange(body)).conflicts;
        if (found.length > 0) {
          setConflicts(found);
          return; // refused before anything is saved
        }
      }
      await saveChange(body);
      setNotice(t("Saved."));
      setReason("");
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.errors.length > 0) {
        setConflicts(err.errors.map((e) => ({ code: String((e as { code?: string }).code ?? e.field), field: e.field, message: e.message })));
        onSaved();
      } else setError(err);
    } finally {
      setBusy(false);
      setPicked(null);
    }
  };

  const dropOn = (target: Target | null) => (e: DragEvent) => {
    e.preventDefault();
    const raw = e.dataTransfer.getData("text/plain");
    if (!raw) return;
    const p = JSON.parse(raw) as Picked;
    void apply(p.operatorId, target, p.fromStation);
  };
  const tapStation = (target: Target | null) => {
    if (picked && canWrite && !busy) void apply(picked.operatorId, target, picked.fromStation);
  };

  const chip = (o: BoardOperator, fromStation: boolean) => {
    const selected = picked?.operatorId === o.id && picked.fromStation === fromStation;
    return (
      <button key={`${o.id}-${fromStation}`} type="button" className={`op-chip${selected ? " selected" : ""}${o.absent ? " absent" : ""}`}
        draggable={canWrite} aria-pressed={selected} data-testid={`op-${o.code}${fromStation ? "-placed" : ""}`}
        title={[o.skills.join(", "), o.absent ? t("absent: {reason}", { reason: o.absent }) : ""].filter(Boolean).join(" · ")}
        onDragStart={(e) => e.dataTransfer.setData("text/plain", JSON.stringify({ operatorId: o.id, fromStation }))}
        onClick={(e) => { e.stopPropagation(); if (canWrite) setPicked(selected ? null : { operatorId: o.id, fromStation }); }}>
        <span className="op-name">{o.name}</span>
        {o.clocked_in && <span className="op-in" title={t("Clocked in")}>●</span>}
        {o.shift_code && <span className="muted"> {o.shift_code}</span>}
      </button>
    );
  };

  return (
    <section className="panel alloc" data-testid="board">
      <div className="alloc-head">
        <h2>{t("Shift {code}", { code: shift.code })} · {fmtDateTime(shift.start)} – {fmtDateTime(shift.end)}</h2>
        <span className="muted" data-testid="board-version">{t("Version {n}", { n: board.version })}</span>
      </div>
      {!canWrite && denied && <p className="muted">{denied}</p>}
      {canWrite && (
        <label className="alloc-reason">{t("Why (kept in the history)")}
          <input className="input" value={reason} maxLength={300} onChange={(e) => setReason(e.target.value)} data-testid="alloc-reason" />
        </label>
      )}
      {picked && <p className="muted" data-testid="picked-hint">{t("Now tap a station for {name}.", { name: operators.get(picked.operatorId)?.name ?? "" })}</p>}
      {conflicts.length > 0 && (
        <div className="alert alert-error" role="alert" data-testid="conflicts">
          <strong>{t("Not saved: conflicts")}</strong>
          <ul>{conflicts.map((c, i) => <li key={i} data-testid={`conflict-${c.code}`}><b>{t(CONFLICT_LABEL[c.code] ?? c.code)}:</b> {c.message}</li>)}</ul>
        </div>
      )}
      {notice && <p className="muted" role="status" data-testid="alloc-notice">{notice}</p>}
      {error !== undefined && <ErrorState error={error} />}
      <div className="alloc-grid">
        <div className="alloc-pool" data-testid="pool" onDragOver={(e) => e.preventDefault()} onDrop={dropOn(null)}
          onClick={() => picked?.fromStation && tapStation(null)}>
          <h3>{t("Operators")}</h3>
          <p className="muted">{t("Drag onto a station, or tap the operator and then the station. Drop back here to remove.")}</p>
          <div className="chips">{board.operators.map((o) => chip(o, false))}</div>
        </div>
        <div className="alloc-stations">
          {board.stations.map((s) => (
            <div key={s.line_id} className="station">
              <div className={`station-drop${picked ? " ready" : ""}`} data-testid={`station-${s.line_code}`} role="button" tabIndex={0}
                aria-label={t("Put on {station}", { station: s.line_code })}
                onDragOver={(e) => e.preventDefault()} onDrop={dropOn({ lineId: s.line_id, machineId: null })}
                onClick={() => tapStation({ lineId: s.line_id, machineId: null })}
                onKeyDown={(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); tapStation({ lineId: s.line_id, machineId: null }); } }}>
                <div className="station-title">
                  <strong>{s.line_code}</strong> <span className="muted">{s.line_name}</span>
                  {s.skills.length > 0 && <span className="muted"> · {t("needs {skills}", { skills: s.skills.join(" / ") })}</span>}
                </div>
                <div className="station-machines">
                  {s.machines.map((m) => (
                    <button key={m.id} type="button" className={`badge machine-drop state-${m.state ?? "none"}`} data-testid={`machine-${m.id}`}
                      title={t("Put on {station}", { station: m.name })}
                      onDragOver={(e) => e.preventDefault()} onDrop={(e) => { e.stopPropagation(); dropOn({ lineId: s.line_id, machineId: m.id })(e); }}
                      onClick={(e) => { e.stopPropagation(); tapStation({ lineId: s.line_id, machineId: m.id }); }}>
                      {m.name}{m.state ? `: ${m.state}` : ""}
                    </button>
                  ))}
                </div>
                <div className="chips" data-testid={`placed-${s.line_code}`}>
                  {board.assignments.filter((a) => a.line_id === s.line_id).map((a) => {
                    const o = operators.get(a.operator_id);
                    const machine = a.machine_id ? s.machines.find((m) => m.id === a.machine_id)?.name : undefined;
                    return o ? <span key={o.id} className="placed">{chip(o, true)}{machine && <span className="muted"> @ {machine}</span>}</span> : null;
                  })}
                </div>
              </div>
            </div>
          ))}
        </div>
      </div>
      <h3>{t("History")}</h3>
      <ol className="alloc-history" data-testid="history">
        {history.map((v) => (
          <li key={v.version} data-testid={`version-${v.version}`}>
            <b>v{v.version}</b> {fmtDateTime(v.created_at)} · {v.actor.replace(/^user:/, "")} · {t(ACTION_LABEL[v.action] ?? v.action)}
            {v.operator_name ? ` ${v.operator_name}` : ""}
            {v.restored_from ? ` (${t("as version {n}", { n: v.restored_from })})` : ""}
            {v.reason && <span className="muted"> — {v.reason}</span>}
            {canWrite && v.version < board.version && (
              <button type="button" className="btn btn-small" data-testid={`rollback-${v.version}`} disabled={busy}
                onClick={() => {
                  setBusy(true);
                  setError(undefined);
                  rollbackTo(board.site_id, shift.key, board.version, v.version, reason).then(
                    () => { setReason(""); onSaved(); },
                    (err: unknown) => setError(err),
                  ).finally(() => setBusy(false));
                }}>{t("Restore this version")}</button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
