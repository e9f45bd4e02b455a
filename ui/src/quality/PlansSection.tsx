// The inspection plans and their characteristics, with the editor for those who may
// change them (quality:plans: planners, managers, administrators); others see the list.
import { useState, type ReactNode } from "react";
import { Empty, Loading } from "../components/States";
import { fmtDecimal, fmtPercent } from "../format";
import { msg, t } from "../i18n";
import { resource, type Values } from "../masterdata/api";
import { DeleteButton, EditButton } from "../masterdata/DeleteButton";
import { RecordForm, type FieldSpec } from "../masterdata/RecordForm";
import "../masterdata/masterdata.css";
import { useCan } from "../session";
import type { Characteristic, Plan } from "./api";

const planApi = resource<Plan>("/quality/plans");
const charApi = resource<Characteristic>("/quality/characteristics");

export const SAMPLING: Record<string, string> = {
  every: msg("every unit"),
  nth: msg("every n-th unit"),
  random: msg("a random share"),
  first_piece: msg("first piece after setup"),
};
const KINDS: Record<string, string> = { variable: msg("Variable (measured)"), attribute: msg("Attribute (pass/fail)") };
const CHARTS: Record<string, string> = {
  imr: msg("I-MR (individuals, moving range)"),
  xbar_r: msg("X̄-R (subgroup means, ranges)"),
  xbar_s: msg("X̄-S (subgroup means, standard deviations)"),
  ewma: msg("EWMA"),
  cusum: msg("CUSUM"),
  c: msg("c (defects per sample)"),
  p: msg("p (fraction nonconforming)"),
  np: msg("np (number nonconforming)"),
  u: msg("u (defects per unit)"),
};

function num(v: number | null | undefined, digits = 3): string {
  return v == null ? "–" : fmtDecimal(v, digits);
}

type Editor =
  | { what: "plan"; record?: Plan; defaults?: Values }
  | { what: "characteristic"; record?: Characteristic; defaults?: Values };

export function PlansSection({ plans, chars, products, onChanged, exportButton }: {
  plans: Plan[] | undefined;
  chars: Characteristic[] | undefined;
  products: { id: number; code: string; name: string }[] | undefined;
  onChanged: () => void;
  exportButton?: ReactNode;
}) {
  const canEdit = useCan("quality:plans");
  const [editor, setEditor] = useState<Editor | null>(null);
  const productCode = (id: number) => products?.find((p) => p.id === id)?.code ?? `#${id}`;
  const option = (table: Record<string, string>) => Object.entries(table).map(([value, label]) => ({ value, label: t(label) }));

  const planFields: FieldSpec[] = [
    { name: "product_id", label: t("Product"), kind: "ref", options: (products ?? []).map((p) => ({ value: p.id, label: `${p.code} — ${p.name}` })) },
    { name: "step_seq", label: t("Routing step"), kind: "number", step: "1", hint: t("Its number in the routing") },
    { name: "name", label: t("Name") },
    { name: "sampling", label: t("Sampling"), kind: "select", options: option(SAMPLING) },
    { name: "sample_every", label: t("Every n-th unit: n"), kind: "number", step: "1" },
    { name: "sample_share", label: t("Random share (0 to 1)"), kind: "number", step: "0.01" },
    { name: "opportunities_per_unit", label: t("Defect opportunities per unit"), kind: "number", step: "1", hint: t("IPC-9261A: components + placements + terminations") },
    { name: "active", label: t("Active"), kind: "checkbox" },
  ];
  const charFields: FieldSpec[] = [
    { name: "plan_id", label: t("Plan"), kind: "ref", options: (plans ?? []).map((p) => ({ value: p.id, label: `${p.name} · ${productCode(p.product_id)} · ${t("step {seq}", { seq: p.step_seq })}` })) },
    { name: "name", label: t("Name") },
    { name: "kind", label: t("Kind"), kind: "select", options: option(KINDS) },
    { name: "unit", label: t("Unit") },
    { name: "nominal", label: t("Nominal"), kind: "number" },
    { name: "lsl", label: t("Lower specification limit"), kind: "number" },
    { name: "usl", label: t("Upper specification limit"), kind: "number" },
    { name: "chart", label: t("Chart"), kind: "select", options: option(CHARTS), hint: t("Variables: I-MR, X̄-R, X̄-S, EWMA, CUSUM, c; attributes: p, np, u") },
    { name: "subgroup_size", label: t("Subgroup size"), kind: "number", step: "1", hint: t("Readings per point (attributes: verdicts per sample)") },
    { name: "rules", label: t("Run rules"), kind: "tags", hint: t("Comma-separated: we1 to we4, nelson1 to nelson8") },
    { name: "center", label: t("Frozen centre"), kind: "number", hint: t("Phase II: centre and sigma together, or neither") },
    { name: "sigma", label: t("Frozen sigma"), kind: "number" },
  ];
  const done = () => { setEditor(null); onChanged(); };

  return (
    <section aria-label={t("Inspection plans")}>
      <h2>{t("Inspection plans")}</h2>
      {exportButton}
      {canEdit && (
        <div className="quality-toolbar">
          <button type="button" className="btn btn-primary" data-testid="new-plan"
            onClick={() => setEditor({ what: "plan", defaults: { sampling: "every", active: true, step_seq: 1 } })}>{t("New inspection plan")}</button>
        </div>
      )}
      {editor?.what === "plan" && (
        <RecordForm key={editor.record?.id ?? "new-plan"}
          title={editor.record ? t("Edit inspection plan {name}", { name: editor.record.name }) : t("New inspection plan")}
          fields={planFields} resource={planApi} record={editor.record} defaults={editor.defaults}
          onCancel={() => setEditor(null)} onDone={done} />
      )}
      {editor?.what === "characteristic" && (
        <RecordForm key={editor.record?.id ?? `new-char-${String(editor.defaults?.plan_id ?? "")}`}
          title={editor.record ? t("Edit characteristic {name}", { name: editor.record.name }) : t("New characteristic")}
          fields={charFields} resource={charApi} record={editor.record} defaults={editor.defaults}
          onCancel={() => setEditor(null)} onDone={done} />
      )}
      {!plans ? <Loading /> : plans.length === 0 ? <Empty>{t("No inspection plans.")}</Empty> : (
        <div className="table-wrap">
          <table className="table" data-testid="plans-table">
            <thead><tr><th>{t("Plan")}</th><th>{t("Product")}</th><th>{t("Step")}</th><th>{t("Sampling")}</th><th>{t("Characteristics")}</th>{canEdit && <th></th>}</tr></thead>
            <tbody>
              {plans.map((p) => (
                <tr key={p.id} data-plan={p.name}>
                  <td>{p.name}{p.active ? "" : ` (${t("inactive")})`}</td><td className="mono">{productCode(p.product_id)}</td><td>{p.step_seq}</td>
                  <td>{t(SAMPLING[p.sampling] ?? p.sampling)}{p.sampling === "nth" && p.sample_every ? ` (n = ${p.sample_every})` : ""}{p.sampling === "random" && p.sample_share ? ` (${fmtPercent(p.sample_share)})` : ""}</td>
                  <td>
                    <ul className="quality-chars">
                      {(chars ?? []).filter((ch) => ch.plan_id === p.id).map((ch) => (
                        <li key={ch.id} data-characteristic={ch.name}>
                          <span>{ch.kind === "variable" ? `${ch.name} ${num(ch.lsl)}…${num(ch.usl)} ${ch.unit}` : `${ch.name} (${t("pass/fail")})`}</span>
                          {" "}<span className="muted">{t(CHARTS[ch.chart] ?? ch.chart)}</span>
                          {canEdit && (
                            <span className="md-actions">
                              <EditButton what={ch.name} onClick={() => setEditor({ what: "characteristic", record: ch })} />
                              <DeleteButton what={ch.name} onDelete={() => charApi.remove(ch.id)} onDeleted={onChanged} />
                            </span>
                          )}
                        </li>
                      ))}
                    </ul>
                  </td>
                  {canEdit && (
                    <td>
                      <span className="md-actions">
                        <EditButton what={p.name} onClick={() => setEditor({ what: "plan", record: p })} />
                        <button type="button" className="btn-link" aria-label={t("Add a characteristic to {name}", { name: p.name })}
                          onClick={() => setEditor({ what: "characteristic", defaults: { plan_id: p.id, kind: "variable", chart: "imr", subgroup_size: 1, rules: ["nelson1"] } })}>
                          {t("Add characteristic")}
                        </button>
                        <DeleteButton what={p.name} onDelete={() => planApi.remove(p.id)} onDeleted={onChanged} />
                      </span>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
