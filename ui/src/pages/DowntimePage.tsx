import { useCallback, useEffect, useState } from "react";
import { ExportButton } from "../components/ExportButton";
import { stopsTable } from "../exchange/tables";
import { ApiError } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading, StaleNotice, problemText } from "../components/States";
import { useDeniedReason, useRoleRefusal, useScopeLabel } from "../session";
import { useApi, usePolling } from "../useApi";
import { assignReason, getReasonTree, listUnassigned, type ReasonNode, type UnassignedStop } from "../kpi/api";
import { span } from "../kpi/format";
import { fmtWhen } from "../kpi/windows";
import "../kpi/kpi.css";
import { zoneLabel } from "../format";
import { t } from "../i18n";

const keyOf = (s: UnassignedStop) => `${s.machine_id}@${s.start}`;

/** The reason queue: stops nobody has explained yet; tap one, tap its reason, done. */
export function DowntimePage() {
  const queue = useApi(listUnassigned, []);
  usePolling(queue.reload, 20_000);
  const [selected, setSelected] = useState<UnassignedStop | null>(null);
  const [done, setDone] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);

  // An area-scoped user's queue covers "your areas (SMT)", not the whole site.
  const scope = useScopeLabel();
  const items = (queue.data?.items ?? []).filter((s) => !done.includes(keyOf(s)));
  const onAssigned = useCallback((stop: UnassignedStop, reason: ReasonNode) => {
    setDone((d) => [...d, keyOf(stop)]);
    setSelected(null);
    setMessage(t("{machine}, stop at {time}: “{reason}” assigned.", { machine: stop.machine_code, time: fmtWhen(stop.start), reason: reason.name }));
    queue.reload();
  }, [queue]);

  const header = (
    <PageHeader title={t("Downtime reasons")}
      subtitle={<>{scope
        ? t("Stops without a reason in {scope} over the last 7 days, newest first. Tap a stop, then its reason.", { scope })
        : t("Stops without a reason across the site over the last 7 days, newest first. Tap a stop, then its reason.")} <span data-testid="time-zone">{zoneLabel()}</span></>}
      actions={<>{queue.data && <ExportButton label={t("Stops without a reason")} table={() => stopsTable(items)} />}<Link to="/kpis" className="btn">{t("Downtime Pareto")}</Link></>} />
  );
  if (queue.error && !queue.data) return <>{header}<ErrorState error={queue.error} onRetry={queue.reload} /></>;
  if (!queue.data) return <>{header}<Loading label={t("Loading stops…")} /></>;

  return (
    <div className="downtime-page">
      {header}
      {queue.error !== undefined && <StaleNotice error={queue.error} onRetry={queue.reload} />}
      {message && <div className="notice notice-ok" role="status" data-testid="assign-message">{message}</div>}
      <div className={`queue-layout${selected ? " has-selection" : ""}`}>
        <section aria-label={t("Stops without a reason")}>
          <div className="queue-count muted">{t("{count} stops waiting", { count: items.length })}</div>
          {items.length === 0 ? <Empty>{t("Every stop has its reason. Nothing to do.")}</Empty> : (
            <ul className="queue" data-testid="queue">
              {items.map((s) => {
                const on = selected !== null && keyOf(selected) === keyOf(s);
                return (
                  <li key={keyOf(s)}>
                    <button type="button" className={`queue-row${on ? " on" : ""}`} aria-pressed={on}
                      data-testid="queue-row" data-machine={s.machine_code} data-start={s.start}
                      onClick={() => { setSelected(on ? null : s); setMessage(null); }}>
                      <span className="q-machine">
                        <strong className="mono">{s.machine_code}</strong>
                        <span className="muted">{s.machine_name} · {s.line_code}</span>
                      </span>
                      <span className="q-when">{fmtWhen(s.start)}</span>
                      <span className="q-dur">{span(s.duration_s)}</span>
                      <span className="q-flags">
                        {s.ongoing && <span className="flag flag-ongoing">{t("ongoing")}</span>}
                        {s.minor && <span className="flag flag-minor">{t("minor")}</span>}
                        {s.fault && <span className="flag">{s.fault}</span>}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
        {selected && <ReasonPicker key={keyOf(selected)} stop={selected} onCancel={() => setSelected(null)} onAssigned={onAssigned} />}
      </div>
    </div>
  );
}

function ReasonPicker({ stop, onCancel, onAssigned }: {
  stop: UnassignedStop;
  onCancel: () => void;
  onAssigned: (stop: UnassignedStop, reason: ReasonNode) => void;
}) {
  const tree = useApi(() => getReasonTree(stop.machine_id), [stop.machine_id]);
  const [choice, setChoice] = useState<ReasonNode | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const denied = useDeniedReason("downtime:assign");
  useEffect(() => setError(null), [choice]);

  const submit = async () => {
    if (!choice) return;
    setBusy(true);
    setError(null);
    try {
      await assignReason({ machine_id: stop.machine_id, start: stop.start, reason_code_id: choice.id, note: note.trim() });
      onAssigned(stop, choice);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const option = (r: ReasonNode, general = false) => (
    <button key={r.id} type="button" className={`reason${choice?.id === r.id ? " on" : ""}`}
      aria-pressed={choice?.id === r.id} onClick={() => setChoice(r)}>
      {general ? t("{name} (other)", { name: r.name }) : r.name}
      <span className="mono muted">{r.code}</span>
    </button>
  );
  const groups = tree.data?.reasons.filter((r) => r.children.length > 0) ?? [];
  const singles = tree.data?.reasons.filter((r) => r.children.length === 0) ?? [];

  return (
    <section className="panel picker" aria-labelledby="picker-h" data-testid="reason-picker">
      <header className="card-head">
        <div>
          <h2 id="picker-h">{t("Why did {machine} stop?", { machine: stop.machine_code })}</h2>
          <span className="muted">{fmtWhen(stop.start)} · {span(stop.duration_s)}{stop.ongoing ? ` ${t("and counting")}` : ""}{stop.fault ? ` · ${t("fault {fault}", { fault: stop.fault })}` : ""}</span>
        </div>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </header>
      {tree.error ? <ErrorState error={tree.error} onRetry={tree.reload} />
        : !tree.data ? <Loading label={t("Loading reasons…")} />
        : tree.data.reasons.length === 0 ? <Empty>{t("No downtime reasons for {machineClass} machines. Add them under", { machineClass: tree.data.machine_class ?? "" })} <Link to="/reason-codes">{t("Reason codes")}</Link>.</Empty>
        : (
          <div className="reason-tree">
            {groups.map((g) => (
              <fieldset key={g.id} className="reason-group">
                <legend>{g.name}</legend>
                <div className="reason-grid">
                  {descendants(g).map((c) => option(c))}
                  {option(g, true)}
                </div>
              </fieldset>
            ))}
            {singles.length > 0 && (
              <fieldset className="reason-group">
                <legend>{t("General")}</legend>
                <div className="reason-grid">{singles.map((r) => option(r))}</div>
              </fieldset>
            )}
          </div>
        )}
      <label className="field note-field">
        <span>{t("Note (optional)")}</span>
        <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} placeholder={t("What happened?")} />
      </label>
      {error !== null && <AssignError error={error} />}
      <div className="picker-actions">
        {denied && <span className="muted" data-testid="assign-denied">{denied}</span>}
        <button type="button" className="btn btn-primary btn-xl" disabled={!choice || busy || denied !== null}
          title={denied ?? undefined} onClick={submit} data-testid="assign">
          {busy ? t("Saving…") : choice ? t("Assign “{reason}”", { reason: choice.name }) : t("Choose a reason")}
        </button>
      </div>
    </section>
  );
}

/** Children and deeper, flattened under their top group (reason trees are shallow). */
function descendants(node: ReasonNode): ReasonNode[] {
  return node.children.flatMap((c) => [c, ...descendants(c)]);
}

function AssignError({ error }: { error: unknown }) {
  const refusal = useRoleRefusal();
  const api = error instanceof ApiError ? error : null;
  return (
    <div className="state state-error assign-error" role="alert" data-testid="assign-error">
      <strong>{api ? (api.status === 403 ? t("Not allowed") : api.title) : t("Could not assign")}</strong>
      <span>{api ? problemText(api, refusal) : String(error)}</span>
      {api && api.errors.length > 0 && (
        <ul className="field-errors">{api.errors.map((e, i) => <li key={i}><code>{e.field}</code>: {e.message}</li>)}</ul>
      )}
    </div>
  );
}
