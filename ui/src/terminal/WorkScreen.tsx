// The line's work at the terminal: the running stage first, then the published plan's
// next ones. Taps go to the outbox at once (the screen answers without waiting for the
// network); quantities shown are the server's plus what is still waiting to be sent.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { get, type Line, type ReasonCode, type Schemas } from "../api";
import { fmtDateTimeShort, fmtNumber, statusLabel, zoneLabel } from "../format";
import { t } from "../i18n";
import { cached, lastKnown, listReasons } from "./net";
import { outbox, setTerminalLine, type Outgoing } from "./queue";
import { SamplesDue } from "./SamplesDue";
import { TerminalAsk } from "./TerminalAsk";

type Stage = Schemas["TerminalStage"];
type Work = Schemas["LineWorkOut"];
type Sheet =
  | { kind: "good"; stage: Stage }
  | { kind: "scrap" | "rework"; stage: Stage }
  | { kind: "hold"; stage: Stage }
  | { kind: "complete"; stage: Stage }
  | { kind: "andon"; stage: Stage | null };

const GOOD_STEPS = [1, 5, 10, 25];
const ANDON_KINDS = ["machine", "material", "quality", "help"] as const;

function andonLabel(kind: string): string {
  return kind === "machine" ? t("Machine") : kind === "material" ? t("Material") : kind === "quality" ? t("Quality") : t("Need help");
}

function useOutbox() {
  const subscribe = useCallback((fn: () => void) => outbox.subscribe(fn), []);
  const items = useSyncExternalStore(subscribe, () => outbox.items);
  const refused = useSyncExternalStore(subscribe, () => outbox.refused);
  const state = useSyncExternalStore(subscribe, () => outbox.state);
  return { items, refused, state };
}

/** A stage as the operator should see it now: the server's facts plus the waiting taps. */
function withWaiting(stage: Stage, waiting: Outgoing[]): Stage {
  let { status, good, scrap, rework } = stage;
  for (const item of waiting) {
    if (item.opId !== stage.operation_id) continue;
    if (item.kind === "good") good += item.quantity;
    else if (item.kind === "scrap") scrap += item.quantity;
    else if (item.kind === "rework") rework += item.quantity;
    else if (item.kind === "start" || item.kind === "resume") status = "in_progress";
    else if (item.kind === "hold") status = "on_hold";
    else if (item.kind === "complete") status = "completed";
  }
  return { ...stage, status, good, scrap, rework };
}

/** The line read again, but no stage older than one we already have: a read that started
 * before a report was answered must not take the report off the screen. */
function newest(old: Work | null, fresh: Work): Work {
  if (!old) return fresh;
  const known = new Map(old.operations.map((s) => [s.operation_id, s]));
  return {
    ...fresh,
    operations: fresh.operations.map((s) => {
      const mine = known.get(s.operation_id);
      return mine && mine.version > s.version ? mine : s;
    }),
  };
}

export function WorkScreen({ line, operator, onSwitch, onChangeLine }: {
  line: Line; operator: string; onSwitch: () => void; onChangeLine?: () => void;
}) {
  const [work, setWork] = useState<Work | null>(() => lastKnown<Work>(`work.${line.id}`));
  const [reasons, setReasons] = useState<ReasonCode[]>([]);
  const [sheet, setSheet] = useState<Sheet | null>(null);
  const [viewing, setViewing] = useState<Schemas["DocumentOut"] | null>(null);
  const [qty, setQty] = useState(1);
  // The lot or unit a report is for (optional): one on hold is refused and not counted.
  const [unit, setUnit] = useState({ lot: "", serial: "" });
  const [notice, setNotice] = useState<string | null>(null);
  const { items, refused, state } = useOutbox();

  const reload = useCallback(() => {
    cached(`work.${line.id}`, () => get<Work>("/terminal/work", { line_id: line.id })).then((fresh) => setWork((old) => newest(old, fresh)), () => {
      // offline: keep showing what we had; the outbox keeps the taps
    });
  }, [line.id]);

  useEffect(() => {
    setTerminalLine(line.id);
    reload();
    listReasons().then(setReasons, () => {});
    const timer = window.setInterval(reload, 30_000);
    // An answer is the operation as the server now has it.
    const off = outbox.onAnswer((item, body) => {
      if (item.kind === "andon" || item.kind === "clock" || !body) return;
      const answer = body as Stage;
      setWork((w) => w && { ...w, operations: w.operations.map((s) => (s.operation_id === answer.operation_id && answer.version >= s.version ? answer : s)) });
    });
    return () => {
      window.clearInterval(timer);
      off();
    };
  }, [line.id, reload]);

  // Once everything is sent, read the line again (new stages, others' changes).
  useEffect(() => {
    if (state === "idle" && items.length === 0) reload();
  }, [state, items.length, reload]);

  const stages = useMemo(() => (work?.operations ?? []).map((s) => withWaiting(s, items)), [work, items]);

  const send = (kind: Outgoing["kind"], stage: Stage | null, body: object, quantity: number, label: string) => {
    const path = kind === "andon" ? "/andon"
      : ["good", "scrap", "rework"].includes(kind) ? `/terminal/operations/${stage!.operation_id}/reports`
        : `/terminal/operations/${stage!.operation_id}/actions`;
    const reported = ["good", "scrap", "rework"].includes(kind)
      ? { ...body, ...(unit.lot.trim() ? { lot: unit.lot.trim() } : {}), ...(unit.serial.trim() ? { serial: unit.serial.trim() } : {}) }
      : body;
    outbox.add({ path, body: reported, opId: stage?.operation_id ?? null, kind, quantity, label });
    setSheet(null);
    setQty(1);
    setUnit({ lot: "", serial: "" });
    setNotice(label);
  };

  const reasonsOf = (category: string) => reasons.filter((r) => r.category === category);
  const waiting = items.length;
  const syncText = state === "signed-out" ? t("Signed out: sign in again to send")
    : waiting === 0 ? t("All sent")
      : state === "offline" ? t("Offline: {count} waiting to send", { count: waiting })
        : t("{count} waiting to send", { count: waiting });

  return (
    <div className="term-work">
      <header className="term-top">
        <span className="term-who">{operator}</span>
        <span className="term-line">{line.name}</span>
        <span className={`term-sync term-sync-${waiting === 0 ? "ok" : state}`} data-testid="sync-state" data-waiting={waiting}>{syncText}</span>
        {onChangeLine && <button type="button" className="term-btn" onClick={onChangeLine}>{t("Change line")}</button>}
        <button type="button" className="term-btn" onClick={onSwitch}>{t("Switch operator")}</button>
      </header>

      {notice && <p className="term-notice" role="status">{t("Recorded: {what}", { what: notice })}</p>}

      {refused.length > 0 && (
        <section className="term-refused" aria-label={t("Not counted")}>
          <h2>{t("Not counted")}</h2>
          {refused.map((r) => (
            <div key={r.key} className="term-refused-item">
              <span data-testid="term-refused">{r.label}: {r.status === 409 && r.field === "lot" ? t("the lot is on hold by a nonconformance; not counted.")
                : r.status === 409 && r.field === "serial" ? t("the unit is on hold by a nonconformance; not counted.")
                  : r.status === 409 ? t("someone else changed this operation meanwhile; your supervisor has been told.") : r.detail}</span>
              <button type="button" className="term-btn" onClick={() => outbox.dismiss(r.key)}>{t("Dismiss")}</button>
            </div>
          ))}
        </section>
      )}

      <div className="term-actions-bar">
        <button type="button" className="term-btn term-btn-andon" onClick={() => setSheet({ kind: "andon", stage: stages.find((s) => s.status === "in_progress") ?? null })}>
          {t("Report a problem")}
        </button>
        <span className="muted">{zoneLabel()}</span>
      </div>

      {work === null ? <p>{t("Loading…")}</p> : stages.length === 0 ? <p className="term-center">{t("Nothing planned on this line.")}</p> : null}

      <div className="term-stages">
        {stages.map((s) => (
          <article key={s.operation_id} className={`term-stage term-stage-${s.status}`} data-testid={`stage-${s.order_number}-${s.seq}`}>
            <div className="term-stage-head">
              <strong className="term-order">{s.order_number}</strong>
              <span>{s.product_code} · {s.product_name}</span>
              <span className="term-status">{statusLabel(s.status)}</span>
            </div>
            <div className="term-stage-body">
              <span>{t("Step {seq}: {name}", { seq: s.seq, name: s.name })}</span>
              <span className="term-qty" data-testid="qty">
                {t("{done} of {target} good", { done: fmtNumber(s.good), target: fmtNumber(s.quantity) })}
              </span>
              <span data-testid="scrap">{t("Scrap {scrap} · Rework {rework}", { scrap: fmtNumber(s.scrap), rework: fmtNumber(s.rework) })}</span>
              {s.planned_start && <span>{t("Planned start {time}", { time: fmtDateTimeShort(s.planned_start) })}</span>}
            </div>
            <SamplesDue line={line} samples={s.samples ?? []} onRecorded={reload} />
            {s.materials.length > 0 && (
              <ul className="term-materials" aria-label={t("Materials")}>
                {s.materials.map((m) => (
                  <li key={m.code}>{m.code} · {m.name}: {fmtNumber(Math.ceil(m.needed))} {m.unit}</li>
                ))}
              </ul>
            )}
            {(s.documents ?? []).length > 0 && (
              <div className="term-docs" role="group" aria-label={t("Work instructions")}>
                {(s.documents ?? []).map((d) => d.content_type.startsWith("image/") ? (
                  <button key={d.id} type="button" className="term-doc-image" onClick={() => setViewing(d)} aria-label={t("Open {name}", { name: d.filename })}>
                    <img src={d.url} alt={d.filename} loading="lazy" />
                  </button>
                ) : (
                  <button key={d.id} type="button" className="term-btn" onClick={() => setViewing(d)}>{d.filename}</button>
                ))}
              </div>
            )}
            <div className="term-buttons">
              {s.status === "pending" && (
                <button type="button" className="term-btn term-btn-primary term-btn-big" onClick={() => send("start", s, { action: "start", line_id: line.id }, 0, t("Start {order}", { order: s.order_number }))}>{t("Start operation")}</button>
              )}
              {s.status === "on_hold" && (
                <button type="button" className="term-btn term-btn-primary term-btn-big" onClick={() => send("resume", s, { action: "resume", line_id: line.id }, 0, t("Resume {order}", { order: s.order_number }))}>{t("Resume")}</button>
              )}
              {s.status === "in_progress" && (
                <>
                  <button type="button" className="term-btn term-btn-good term-btn-big" onClick={() => setSheet({ kind: "good", stage: s })}>{t("Good")}</button>
                  <button type="button" className="term-btn term-btn-big" onClick={() => setSheet({ kind: "scrap", stage: s })}>{t("Scrap")}</button>
                  <button type="button" className="term-btn term-btn-big" onClick={() => setSheet({ kind: "rework", stage: s })}>{t("Rework")}</button>
                  <button type="button" className="term-btn term-btn-big" onClick={() => setSheet({ kind: "hold", stage: s })}>{t("Pause")}</button>
                  <button type="button" className="term-btn term-btn-big" onClick={() => setSheet({ kind: "complete", stage: s })}>{t("Complete")}</button>
                </>
              )}
            </div>
          </article>
        ))}
      </div>

      {/* Below the work: asking is never in the way of a tap that counts. */}
      <TerminalAsk line={line.code}
        order={(stages.find((s) => s.status === "in_progress") ?? stages[0])?.order_number ?? null} />

      {viewing && (
        <div className="term-sheet-backdrop" onClick={() => setViewing(null)}>
          <div className="term-sheet term-viewer" role="dialog" aria-modal="true" aria-label={viewing.filename} onClick={(e) => e.stopPropagation()}>
            <div className="term-viewer-head">
              <strong>{viewing.filename}</strong>
              <button type="button" className="term-btn" onClick={() => setViewing(null)}>{t("Close")}</button>
            </div>
            {viewing.content_type.startsWith("image/")
              ? <img className="term-viewer-body" src={viewing.url} alt={viewing.filename} />
              : <iframe className="term-viewer-body" title={viewing.filename} src={viewing.url} />}
          </div>
        </div>
      )}

      {sheet && (
        <div className="term-sheet-backdrop" onClick={() => setSheet(null)}>
          <div className="term-sheet" role="dialog" aria-modal="true" onClick={(e) => e.stopPropagation()}>
            {sheet.kind === "good" && (
              <>
                <h2>{t("Good pieces for {order}", { order: sheet.stage.order_number })}</h2>
                <div className="term-unit">
                  <label>{t("Lot (optional)")}<input value={unit.lot} maxLength={80} onChange={(e) => setUnit({ ...unit, lot: e.target.value })} data-testid="report-lot" /></label>
                  <label>{t("Serial (optional)")}<input value={unit.serial} maxLength={80} onChange={(e) => setUnit({ ...unit, serial: e.target.value })} data-testid="report-serial" /></label>
                </div>
                <div className="term-grid">
                  {GOOD_STEPS.map((n) => (
                    <button key={n} type="button" className="term-btn term-btn-good term-btn-big"
                      onClick={() => send("good", sheet.stage, { good: n }, n, t("{count} good", { count: n }))}>+{n}</button>
                  ))}
                </div>
              </>
            )}
            {(sheet.kind === "scrap" || sheet.kind === "rework") && (
              <>
                <h2>{sheet.kind === "scrap" ? t("Scrap: how many, and why?") : t("Rework: how many, and why?")}</h2>
                <div className="term-unit">
                  <label>{t("Lot (optional)")}<input value={unit.lot} maxLength={80} onChange={(e) => setUnit({ ...unit, lot: e.target.value })} data-testid="report-lot" /></label>
                  <label>{t("Serial (optional)")}<input value={unit.serial} maxLength={80} onChange={(e) => setUnit({ ...unit, serial: e.target.value })} data-testid="report-serial" /></label>
                </div>
                <div className="term-stepper">
                  <button type="button" className="term-btn term-btn-big" aria-label={t("One less")} onClick={() => setQty((q) => Math.max(1, q - 1))}>−</button>
                  <span className="term-qty" data-testid="sheet-qty">{qty}</span>
                  <button type="button" className="term-btn term-btn-big" aria-label={t("One more")} onClick={() => setQty((q) => q + 1)}>+</button>
                </div>
                {reasonsOf(sheet.kind).length === 0 && <p>{t("No reasons defined; ask your supervisor.")}</p>}
                <div className="term-grid">
                  {reasonsOf(sheet.kind).map((r) => (
                    <button key={r.id} type="button" className="term-btn term-btn-big"
                      onClick={() => send(sheet.kind as "scrap" | "rework", sheet.stage, { [sheet.kind]: qty, reason_code_id: r.id }, qty,
                        sheet.kind === "scrap" ? t("{count} scrap ({reason})", { count: qty, reason: r.name }) : t("{count} rework ({reason})", { count: qty, reason: r.name }))}>
                      {r.name}
                    </button>
                  ))}
                </div>
              </>
            )}
            {sheet.kind === "hold" && (
              <>
                <h2>{t("Why pause?")}</h2>
                {reasonsOf("downtime").length === 0 && <p>{t("No reasons defined; ask your supervisor.")}</p>}
                <div className="term-grid">
                  {reasonsOf("downtime").map((r) => (
                    <button key={r.id} type="button" className="term-btn term-btn-big"
                      onClick={() => send("hold", sheet.stage, { action: "hold", reason_code_id: r.id }, 0, t("Pause {order} ({reason})", { order: sheet.stage.order_number, reason: r.name }))}>
                      {r.name}
                    </button>
                  ))}
                </div>
              </>
            )}
            {sheet.kind === "complete" && (
              <>
                <h2>{t("Complete {order} step {seq}?", { order: sheet.stage.order_number, seq: sheet.stage.seq })}</h2>
                <button type="button" className="term-btn term-btn-primary term-btn-big"
                  onClick={() => send("complete", sheet.stage, { action: "complete" }, 0, t("Complete {order}", { order: sheet.stage.order_number }))}>{t("Complete")}</button>
              </>
            )}
            {sheet.kind === "andon" && (
              <>
                <h2>{t("What is the problem?")}</h2>
                <div className="term-grid">
                  {ANDON_KINDS.map((k) => (
                    <button key={k} type="button" className="term-btn term-btn-andon term-btn-big"
                      onClick={() => send("andon", sheet.stage, { kind: k, line_id: line.id, operation_id: sheet.stage?.operation_id ?? null }, 0, t("Problem reported: {kind}", { kind: andonLabel(k) }))}>
                      {andonLabel(k)}
                    </button>
                  ))}
                </div>
              </>
            )}
            <button type="button" className="term-btn" onClick={() => setSheet(null)}>{t("Cancel")}</button>
          </div>
        </div>
      )}
    </div>
  );
}
