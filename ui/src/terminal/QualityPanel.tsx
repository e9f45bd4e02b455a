// Quality at the terminal: a red banner for every characteristic out of control on this
// line (polled every 5 s, so a point that broke a rule reaches the operator within
// seconds, whether it came from a test machine or from a tablet), and a sheet to record
// a test result with the specification shown. Results need the network (not queued).
import { useCallback, useEffect, useState } from "react";
import { get, type Line, type Schemas } from "../api";
import { fmtDecimal, fmtTime, zoneLabel } from "../format";
import { t } from "../i18n";
import { listCharacteristics, listPlans, recordInspection, type Characteristic, type Plan } from "../quality/api";
import { useCan } from "../session";

type OutOfControl = Schemas["QualityOutOfControlOut"];

export function QualityPanel({ line }: { line: Line }) {
  const [ooc, setOoc] = useState<OutOfControl[]>([]);
  const [open, setOpen] = useState(false);
  const canRecord = useCan("quality:record");
  const load = useCallback(() => {
    get<OutOfControl[]>("/quality/out-of-control", { line_id: line.id }).then(setOoc, () => {});
  }, [line.id]);
  useEffect(() => {
    load();
    const id = window.setInterval(load, 5_000);
    return () => window.clearInterval(id);
  }, [load]);
  return (
    <div className="term-quality">
      {ooc.map((o) => (
        <div key={o.characteristic_id} className="term-ooc" role="alert" data-testid="term-out-of-control">
          {t("Out of control: {name} since {time} ({zone}), rules {rules}. Stop and call your supervisor.", {
            name: o.name, time: fmtTime(o.since), zone: zoneLabel(), rules: o.rules.join(", "),
          })}
        </div>
      ))}
      {canRecord && (
        <button type="button" className="term-btn" onClick={() => setOpen(true)} data-testid="term-record-result">
          {t("Record a test result")}
        </button>
      )}
      {open && <ResultSheet line={line} onClose={() => setOpen(false)} onRecorded={load} />}
    </div>
  );
}

/** A due sample opens the sheet on its characteristic and records it for its order. */
export type SamplePreset = { characteristicId: number; orderId: number };

export function ResultSheet({ line, preset, onClose, onRecorded }: {
  line: Line; preset?: SamplePreset; onClose: () => void; onRecorded: () => void;
}) {
  const [chars, setChars] = useState<Characteristic[]>([]);
  const [plans, setPlans] = useState<Plan[]>([]);
  const [charId, setCharId] = useState<number | undefined>(preset?.characteristicId);
  const [serial, setSerial] = useState("");
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<string>();
  useEffect(() => {
    listCharacteristics().then(setChars, () => {});
    listPlans().then(setPlans, () => {});
  }, []);
  const char = chars.find((c) => c.id === (charId ?? chars[0]?.id));
  const plan = plans.find((p) => p.id === char?.plan_id);
  const submit = async () => {
    if (!char || !plan) return;
    setMessage(undefined);
    try {
      const variable = char.kind === "variable";
      const out = await recordInspection({
        product_id: plan.product_id, step_seq: plan.step_seq, plan_id: plan.id, serial: serial || null,
        ...(preset ? { order_id: preset.orderId, line_id: line.id } : {}),
        measurements: [{ characteristic_id: char.id, value: variable ? Number(value) : null, passed: variable ? null : value !== "fail" }],
      } as Parameters<typeof recordInspection>[0]);
      setMessage(out.violations.length
        ? t("Recorded; out of control: {rules}", { rules: out.violations.join(", ") })
        : out.passed ? t("Recorded: passed") : t("Recorded: failed"));
      setSerial("");
      setValue("");
      onRecorded();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="term-sheet-backdrop" onClick={onClose}>
      <form className="term-sheet" onClick={(e) => e.stopPropagation()} aria-label={t("Record a test result")}
        onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h2>{t("Record a test result")}</h2>
        <label>{t("Characteristic")}
          <select value={char?.id} onChange={(e) => setCharId(Number(e.target.value))} data-testid="term-characteristic">
            {chars.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        {char && (
          <p className="term-notice" data-testid="term-spec">
            {char.kind === "variable"
              ? t("Spec: {lsl} to {usl} {unit}, nominal {nominal}", {
                lsl: char.lsl == null ? "–" : fmtDecimal(char.lsl, 3), usl: char.usl == null ? "–" : fmtDecimal(char.usl, 3),
                unit: char.unit, nominal: char.nominal == null ? "–" : fmtDecimal(char.nominal, 3),
              })
              : t("Pass or fail")}
          </p>
        )}
        <label>{t("Serial")}<input value={serial} onChange={(e) => setSerial(e.target.value)} data-testid="term-serial" /></label>
        {char?.kind === "variable" ? (
          <label>{t("Value")}<input inputMode="decimal" required value={value} onChange={(e) => setValue(e.target.value)} data-testid="term-value" /></label>
        ) : (
          <label>{t("Result")}
            <select value={value || "pass"} onChange={(e) => setValue(e.target.value)}>
              <option value="pass">{t("Pass")}</option><option value="fail">{t("Fail")}</option>
            </select>
          </label>
        )}
        {message && <p role="status" data-testid="term-result">{message}</p>}
        <div className="term-row">
          <button type="submit" className="term-btn term-btn-primary">{t("Record")}</button>
          <button type="button" className="term-btn" onClick={onClose}>{t("Close")}</button>
        </div>
      </form>
    </div>
  );
}
