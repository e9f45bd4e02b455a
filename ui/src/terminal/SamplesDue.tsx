// The samples the step's inspection plans ask for now, shown on the running stage so the
// operator cannot miss them: which characteristic, how many units, the specification, and
// whether the line has already gone past the unit to be checked. The server decides what
// is due (from the units reported and the line's setups); a tap opens the result sheet
// on that characteristic, recorded for this order.
import { useState } from "react";
import type { Line, Schemas } from "../api";
import { fmtDecimal } from "../format";
import { t } from "../i18n";
import { useCan } from "../session";
import { ResultSheet } from "./QualityPanel";

type Sample = Schemas["QualitySampleDueOut"];

export function samplingLabel(sampling: string): string {
  return sampling === "every" ? t("every unit")
    : sampling === "nth" ? t("every n-th unit")
      : sampling === "random" ? t("a random share")
        : t("first piece after setup");
}

function spec(s: Sample): string {
  if (s.kind !== "variable") return t("Pass or fail");
  const num = (x: number | null | undefined) => (x == null ? "–" : fmtDecimal(x, 3));
  return t("Spec: {lsl} to {usl} {unit}, nominal {nominal}", {
    lsl: num(s.lsl), usl: num(s.usl), unit: s.unit, nominal: num(s.nominal),
  });
}

export function SamplesDue({ line, samples, onRecorded }: {
  line: Line; samples: Sample[]; onRecorded: () => void;
}) {
  const [open, setOpen] = useState<Sample | null>(null);
  const canRecord = useCan("quality:record");
  if (samples.length === 0 && !open) return null;
  return (
    <section className="term-samples" aria-label={t("Inspections due")}>
      {samples.map((s) => (
        <div key={`${s.plan_id}-${s.characteristic_id}`} role="alert"
          className={`term-sample ${s.overdue ? "term-sample-overdue" : ""}`}
          data-testid="term-sample-due" data-characteristic={s.characteristic} data-overdue={s.overdue}>
          <strong>{t("Sample due: {count} units for {name}", { count: s.pending, name: s.characteristic })}</strong>
          <span>{t("Unit no. {units} · {rule}", { units: s.missing.join(", "), rule: samplingLabel(s.sampling) })}</span>
          <span data-testid="term-sample-spec">{spec(s)}</span>
          {s.overdue > 0 && <span className="term-sample-late">{t("Overdue: the line has gone past the unit to check. Check it now.")}</span>}
          {canRecord && (
            <button type="button" className="term-btn term-btn-primary" onClick={() => setOpen(s)} data-testid="term-record-sample">
              {t("Record sample")}
            </button>
          )}
        </div>
      ))}
      {open && (
        <ResultSheet line={line} preset={{ characteristicId: open.characteristic_id, orderId: open.order_id }}
          onClose={() => setOpen(null)} onRecorded={onRecorded} />
      )}
    </section>
  );
}
