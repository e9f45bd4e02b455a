// One form for every flat master-data record (product, material, site, area, line,
// machine, operator, reason code): fields described as data, the server's field errors
// next to the fields, and the conflict diff when someone else saved first.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ConflictDiff } from "../components/ConflictDiff";
import { t } from "../i18n";
import type { Resource, Values, Versioned } from "./api";
import { FormError, fieldError } from "./FormError";
import { useGuardedSave } from "./useGuardedSave";

export interface Option {
  value: string | number;
  label: string;
}

export interface FieldSpec {
  name: string;
  /** Already translated. */
  label: string;
  /** text; optional-text (empty = null); number; select (a text value); ref (an id, empty = null);
   *  checkbox; ids (several ids, as checkboxes); tags (comma-separated words). */
  kind?: "text" | "optional-text" | "number" | "select" | "ref" | "checkbox" | "ids" | "tags";
  options?: Option[];
  /** For ref: the text of the empty choice; without it a choice is required. */
  none?: string;
  hint?: string;
  step?: string;
}

type State = Record<string, string | boolean | number[]>;

function toState(fields: FieldSpec[], record: Values): State {
  const out: State = {};
  for (const f of fields) {
    const v = record[f.name];
    switch (f.kind ?? "text") {
      case "checkbox": out[f.name] = v === undefined ? true : Boolean(v); break;
      case "ids": out[f.name] = Array.isArray(v) ? (v as number[]) : []; break;
      case "tags": out[f.name] = Array.isArray(v) ? (v as string[]).join(", ") : ""; break;
      default: out[f.name] = v === undefined || v === null ? "" : String(v);
    }
  }
  return out;
}

function toPayload(fields: FieldSpec[], state: State): Values {
  const out: Values = {};
  for (const f of fields) {
    const v = state[f.name];
    switch (f.kind ?? "text") {
      case "optional-text": out[f.name] = String(v).trim() === "" ? null : String(v).trim(); break;
      case "number": out[f.name] = String(v).trim() === "" ? null : Number(v); break;
      case "ref": out[f.name] = v === "" ? null : Number(v); break;
      case "tags": out[f.name] = String(v).split(",").map((s) => s.trim()).filter(Boolean); break;
      default: out[f.name] = v;
    }
  }
  return out;
}

function shown(f: FieldSpec, v: string | boolean | number[]): string {
  const label = (x: string | number) => f.options?.find((o) => String(o.value) === String(x))?.label ?? String(x);
  switch (f.kind ?? "text") {
    case "checkbox": return v ? t("Yes") : t("No");
    case "ids": return (v as number[]).map(label).join(", ");
    case "ref": case "select": return v === "" ? "" : label(v as string);
    default: return String(v);
  }
}

export function RecordForm<R extends Versioned>({ title, fields, resource, record, defaults, onDone, onCancel }: {
  title: string;
  fields: FieldSpec[];
  resource: Resource<R>;
  record?: R;
  defaults?: Values;
  onDone: (saved: R) => void;
  onCancel: () => void;
}) {
  const [state, setState] = useState<State>(() => toState(fields, (record as unknown as Values) ?? defaults ?? {}));
  const guard = useGuardedSave<R>(record ? () => resource.fetch(record.id) : null);
  const set = (name: string, v: string | boolean | number[]) => setState((s) => ({ ...s, [name]: v }));
  const payload = () => toPayload(fields, state);
  const ref = useRef<HTMLFormElement>(null);
  // The form opens at the top of a long page: bring it into view.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: "nearest" });
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void guard.run(
      () => (record ? resource.update(record.id, payload(), record.version) : resource.create(payload())),
      onDone,
    );
  };
  const theirs = guard.theirs;
  const theirState = theirs ? toState(fields, theirs as unknown as Values) : null;

  return (
    <form ref={ref} className="md-form panel" aria-label={title} onSubmit={submit} noValidate>
      <h3 className="panel-title">{title}</h3>
      <FormError error={guard.error} shown={fields.map((f) => f.name)} />
      {theirs && theirState && (
        <ConflictDiff
          busy={guard.busy}
          rows={fields.map((f) => ({ label: f.label, mine: shown(f, state[f.name]), theirs: shown(f, theirState[f.name]) }))}
          onKeepTheirs={() => onDone(theirs)}
          onOverwrite={() => void guard.run(() => resource.update(theirs.id, payload(), theirs.version), onDone)}
        />
      )}
      <div className="md-fields">
        {fields.map((f) => <Field key={f.name} spec={f} value={state[f.name]} error={fieldError(guard.error, f.name)} onChange={(v) => set(f.name, v)} />)}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={guard.busy}>{t("Save")}</button>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </div>
    </form>
  );
}

function Field({ spec, value, error, onChange }: {
  spec: FieldSpec;
  value: string | boolean | number[];
  error?: string;
  onChange: (v: string | boolean | number[]) => void;
}) {
  const kind = spec.kind ?? "text";
  const message = error && <span className="field-message">{error}</span>;
  const hint = spec.hint && <span className="sub">{spec.hint}</span>;
  if (kind === "checkbox") {
    return (
      <label className="md-check">
        <input type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />
        <span>{spec.label}</span>
        {message}
      </label>
    );
  }
  if (kind === "ids") {
    const ids = value as number[];
    return (
      <fieldset className="md-fieldset">
        <legend>{spec.label}</legend>
        {(spec.options ?? []).map((o) => (
          <label key={o.value} className="md-check">
            <input type="checkbox" checked={ids.includes(Number(o.value))}
              onChange={(e) => onChange(e.target.checked ? [...ids, Number(o.value)] : ids.filter((x) => x !== Number(o.value)))} />
            <span>{o.label}</span>
          </label>
        ))}
        {(spec.options ?? []).length === 0 && <span className="muted">{t("None to choose from yet.")}</span>}
        {message}
      </fieldset>
    );
  }
  if (kind === "select" || kind === "ref") {
    return (
      <label className="field">
        <span>{spec.label}</span>
        <select className="input" value={String(value)} aria-invalid={error ? true : undefined}
          onChange={(e) => onChange(e.target.value)}>
          {(kind === "ref" && spec.none !== undefined) ? <option value="">{spec.none}</option> : String(value) === "" && <option value="">{t("Choose…")}</option>}
          {(spec.options ?? []).map((o) => <option key={o.value} value={String(o.value)}>{o.label}</option>)}
        </select>
        {hint}
        {message}
      </label>
    );
  }
  return (
    <label className="field">
      <span>{spec.label}</span>
      <input className="input" type={kind === "number" ? "number" : "text"} step={spec.step ?? "any"} value={String(value)}
        aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.target.value)} />
      {hint}
      {message}
    </label>
  );
}
