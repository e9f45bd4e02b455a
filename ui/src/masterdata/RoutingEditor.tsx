// The routing of a product edited as a whole (steps, eligible lines with their cycle
// times, setup and skill) and saved with one PUT carrying the version it was opened at.
import { useState, type FormEvent } from "react";
import type { Line, LineType, Routing } from "../api";
import { getRouting } from "../api";
import { ConflictDiff } from "../components/ConflictDiff";
import { t } from "../i18n";
import { putRouting, type RoutingStepIn } from "./api";
import { FormError, fieldError } from "./FormError";
import { useGuardedSave } from "./useGuardedSave";

const TYPES: LineType[] = ["SMT", "DIP", "TEST", "PACK", "OTHER"];

interface StepDraft {
  key: number;
  seq: string;
  name: string;
  work_center_type: LineType;
  setup_time_s: string;
  setup_family: string;
  skill: string;
  splittable: boolean;
  /** line id → cycle time (s) as typed, for the lines ticked as eligible */
  eligible: Record<number, string>;
}

let nextKey = 1;

function toDraft(routing: Routing): StepDraft[] {
  return routing.steps.map((s) => ({
    key: nextKey++,
    seq: String(s.seq),
    name: s.name,
    work_center_type: s.work_center_type,
    setup_time_s: String(s.setup_time_s),
    setup_family: s.setup_family,
    skill: s.skill,
    splittable: s.splittable,
    eligible: Object.fromEntries(s.eligible.map((e) => [e.line_id, String(e.cycle_time_s)])),
  }));
}

function toBody(steps: StepDraft[]): RoutingStepIn[] {
  return steps
    .map((s) => ({
      seq: Number(s.seq),
      name: s.name.trim(),
      work_center_type: s.work_center_type,
      setup_time_s: s.setup_time_s.trim() === "" ? 0 : Number(s.setup_time_s),
      setup_family: s.setup_family.trim(),
      skill: s.skill.trim(),
      splittable: s.splittable,
      min_wait_s: 0,
      max_wait_s: null,
      eligible: Object.entries(s.eligible).map(([line, cycle]) => ({ line_id: Number(line), cycle_time_s: Number(cycle) })),
    }))
    // The server sorts by seq and names errors by position: send them in that order.
    .sort((a, b) => a.seq - b.seq);
}

function summary(s: RoutingStepIn, lines: Line[]): string {
  const code = (id: number) => lines.find((l) => l.id === id)?.code ?? String(id);
  return [
    s.name,
    s.work_center_type,
    s.eligible.map((e) => `${code(e.line_id)} ${e.cycle_time_s} s`).join(", "),
    t("setup {seconds} s", { seconds: s.setup_time_s ?? 0 }) + (s.setup_family ? ` (${s.setup_family})` : ""),
    s.skill ? t("skill {skill}", { skill: s.skill }) : "",
  ].filter(Boolean).join(" · ");
}

export function RoutingEditor({ productId, routing, lines, onDone, onCancel }: {
  productId: number;
  routing: Routing;
  lines: Line[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const [steps, setSteps] = useState<StepDraft[]>(() => toDraft(routing));
  const guard = useGuardedSave<Routing>(() => getRouting(productId));
  const update = (key: number, change: Partial<StepDraft>) =>
    setSteps((all) => all.map((s) => (s.key === key ? { ...s, ...change } : s)));
  const addStep = () => {
    const seq = steps.reduce((m, s) => Math.max(m, Number(s.seq) || 0), 0) + 1;
    const type = steps.at(-1)?.work_center_type ?? lines[0]?.type ?? "SMT";
    setSteps((all) => [...all, { key: nextKey++, seq: String(seq), name: "", work_center_type: type, setup_time_s: "0",
      setup_family: "", skill: "", splittable: true, eligible: {} }]);
  };
  const save = (version: number) =>
    guard.run(() => putRouting(productId, { steps: toBody(steps), version }), onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(routing.version);
  };
  const sorted = [...steps].sort((a, b) => Number(a.seq) - Number(b.seq));
  const err = (i: number, field: string) => fieldError(guard.error, `steps[${i}].${field}`);
  const theirs = guard.theirs;

  const diffRows = () => {
    const mine = toBody(steps);
    const their = theirs ? theirs.steps : [];
    const seqs = [...new Set([...mine.map((s) => s.seq), ...their.map((s) => s.seq)])].sort((a, b) => a - b);
    return seqs.map((seq) => {
      const m = mine.find((s) => s.seq === seq);
      const o = their.find((s) => s.seq === seq);
      return { label: t("Step {seq}", { seq }), mine: m ? summary(m, lines) : "", theirs: o ? summary(o, lines) : "" };
    });
  };

  return (
    <form className="md-form panel" aria-label={t("Routing")} onSubmit={submit} noValidate>
      <h3 className="panel-title">{t("Edit routing")}</h3>
      <FormError error={guard.error} shown={sorted.flatMap((_, i) => ["seq", "name", "setup_time_s", "eligible"].map((f) => `steps[${i}].${f}`))} />
      {theirs && (
        <ConflictDiff busy={guard.busy} rows={diffRows()} onKeepTheirs={onDone}
          onOverwrite={() => void save(theirs.version)} />
      )}
      {sorted.map((s, i) => {
        const fitting = lines.filter((l) => l.type === s.work_center_type);
        const eligibleError = err(i, "eligible") ?? Object.keys(s.eligible).map((_, j) => err(i, `eligible[${j}].cycle_time_s`) ?? err(i, `eligible[${j}].line_id`)).find(Boolean);
        return (
          <fieldset key={s.key} className="md-step" aria-label={t("Step {seq}", { seq: s.seq })} data-testid="routing-step">
            <legend>{t("Step {seq}", { seq: s.seq })}</legend>
            <div className="md-fields">
              <label className="field md-narrow"><span>{t("Sequence")}</span>
                <input className="input" type="number" min={1} value={s.seq} onChange={(e) => update(s.key, { seq: e.target.value })}
                  aria-invalid={err(i, "seq") ? true : undefined} />
                {err(i, "seq") && <span className="field-message">{err(i, "seq")}</span>}
              </label>
              <label className="field"><span>{t("Step name")}</span>
                <input className="input" value={s.name} onChange={(e) => update(s.key, { name: e.target.value })}
                  aria-invalid={err(i, "name") ? true : undefined} />
                {err(i, "name") && <span className="field-message">{err(i, "name")}</span>}
              </label>
              <label className="field"><span>{t("Work-center type")}</span>
                <select className="input" value={s.work_center_type}
                  onChange={(e) => update(s.key, { work_center_type: e.target.value as LineType, eligible: {} })}>
                  {TYPES.map((ty) => <option key={ty} value={ty}>{ty}</option>)}
                </select>
              </label>
              <label className="field md-narrow"><span>{t("Setup time (s)")}</span>
                <input className="input" type="number" min={0} value={s.setup_time_s} onChange={(e) => update(s.key, { setup_time_s: e.target.value })}
                  aria-invalid={err(i, "setup_time_s") ? true : undefined} />
                {err(i, "setup_time_s") && <span className="field-message">{err(i, "setup_time_s")}</span>}
              </label>
              <label className="field"><span>{t("Setup family")}</span>
                <input className="input" value={s.setup_family} onChange={(e) => update(s.key, { setup_family: e.target.value })} />
              </label>
              <label className="field"><span>{t("Skill")}</span>
                <input className="input" value={s.skill} onChange={(e) => update(s.key, { skill: e.target.value })} />
              </label>
              <label className="md-check">
                <input type="checkbox" checked={s.splittable} onChange={(e) => update(s.key, { splittable: e.target.checked })} />
                <span>{t("Splittable")}</span>
              </label>
            </div>
            <div className="md-eligible" role="group" aria-label={t("Eligible lines")}>
              <span className="strong">{t("Eligible lines")}</span>
              {fitting.length === 0 && <span className="muted">{t("No {type} line yet.", { type: s.work_center_type })}</span>}
              {fitting.map((l) => {
                const on = l.id in s.eligible;
                return (
                  <span key={l.id} className="md-eligible-line">
                    <label className="md-check">
                      <input type="checkbox" checked={on} onChange={(e) => {
                        const next = { ...s.eligible };
                        if (e.target.checked) next[l.id] = "60"; else delete next[l.id];
                        update(s.key, { eligible: next });
                      }} />
                      <span>{l.code}</span>
                    </label>
                    {on && (
                      <label className="md-inline">
                        <span>{t("Cycle time on {line} (s)", { line: l.code })}</span>
                        <input className="input md-num" type="number" min={0} step="any" value={s.eligible[l.id]}
                          onChange={(e) => update(s.key, { eligible: { ...s.eligible, [l.id]: e.target.value } })} />
                      </label>
                    )}
                  </span>
                );
              })}
              {eligibleError && <span className="field-message">{eligibleError}</span>}
            </div>
            <button type="button" className="btn-link md-danger" onClick={() => setSteps((all) => all.filter((x) => x.key !== s.key))}>
              {t("Remove step {seq}", { seq: s.seq })}
            </button>
          </fieldset>
        );
      })}
      <div className="form-actions">
        <button type="button" className="btn" onClick={addStep}>{t("Add step")}</button>
        <button type="submit" className="btn btn-primary" disabled={guard.busy || steps.length === 0}>{t("Save routing")}</button>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </div>
    </form>
  );
}
