import { useMemo, useState } from "react";
import { listProducts } from "../api";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { siteTime, timeColumn } from "../exchange/tables";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal, fmtNumber, fmtPercent, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { ControlChart } from "../quality/ControlChart";
import { PlansSection, SAMPLING } from "../quality/PlansSection";
import { SamplesSection } from "../quality/SamplesSection";
import {
  acknowledgeCharacteristic, dispose, getChart, getFigures, getPareto, listCharacteristics,
  listInspections, listNonconformances, listPlans, recordInspection, type Characteristic, type Disposition,
  type Inspection, type Nonconformance, type Pareto, type Plan,
} from "../quality/api";
import { useCan, useDeniedReason, useScopeLabel } from "../session";
import { useApi, usePolling } from "../useApi";
import "../quality/quality.css";

const PARETO_BY: { id: string; label: string }[] = [
  { id: "code", label: msg("Defect code") },
  { id: "ref", label: msg("Reference designator") },
  { id: "machine", label: msg("Machine") },
  { id: "line", label: msg("Line") },
  { id: "shift", label: msg("Shift") },
  { id: "lot", label: msg("Lot") },
];
const DISPOSITIONS: { id: Disposition; label: string }[] = [
  { id: "scrap", label: msg("Scrap") },
  { id: "rework", label: msg("Rework") },
  { id: "use_as_is", label: msg("Use as is") },
  { id: "return_to_supplier", label: msg("Return to supplier") },
];
const ATTRIBUTE_CHARTS: Record<string, string> = {
  p: msg("p chart: fraction nonconforming"),
  np: msg("np chart: number nonconforming"),
  u: msg("u chart: defects per unit"),
};

function pct(v: number | null | undefined): string {
  return v == null ? "–" : fmtPercent(v);
}
function num(v: number | null | undefined, digits = 2): string {
  return v == null ? "–" : fmtDecimal(v, digits);
}

type Names = { product: (id: number) => string; characteristic: (id: number) => string };
const share = (v: number | null | undefined) => (v == null ? null : Math.round(v * 1000) / 10);

/** The defect Pareto as shown (its "by" and the page's period). */
export function defectParetoTable(pareto: Pareto, byLabel: string): ExportTable {
  return {
    title: t("Defect Pareto"),
    columns: [byLabel, t("Defects"), t("Share (%)"), t("Cumulative (%)")],
    rows: pareto.rows.map((r) => [r.key === "unassigned" ? t("unassigned") : r.key, r.count, share(r.share), share(r.cumulative_share)]),
  };
}

export function nonconformancesTable(items: Nonconformance[], names: Names): ExportTable {
  return {
    title: t("Nonconformances"),
    columns: ["#", t("Product"), t("Description"), t("Quantity"), t("Held"), t("Status"), t("Disposition"), timeColumn(t("Decided"))],
    rows: items.map((n) => [
      n.id, names.product(n.product_id), n.description, n.quantity,
      n.hold ? (n.lot ? t("lot {lot}", { lot: n.lot }) : t("serials {from} to {to}", { from: n.serial_from ?? "", to: n.serial_to ?? "" })) : null,
      n.status === "open" ? t("open") : t("closed"),
      n.disposition ? t(DISPOSITIONS.find((d) => d.id === n.disposition)?.label ?? n.disposition) : null,
      siteTime(n.disposed_at),
    ]),
  };
}

export function inspectionResultsTable(items: Inspection[], names: Names): ExportTable {
  return {
    title: t("Inspection results"),
    columns: [timeColumn(t("Time")), t("Product"), t("Step"), t("Serial"), t("Quantity"), t("Method"), t("Result"), t("First pass"), t("On hold"), t("Values"), t("Defects")],
    rows: items.map((r) => [
      siteTime(r.inspected_at), names.product(r.product_id), r.step_seq, r.serial ?? null, r.quantity, r.method.toUpperCase(),
      r.passed ? t("Pass") : t("Fail"), r.first_pass ? t("yes") : t("no"), r.held ? t("yes") : t("no"),
      r.measurements.map((m) => `${names.characteristic(m.characteristic_id)} ${m.value == null ? (m.passed ? t("Pass") : t("Fail")) : m.value}`).join(", "),
      r.defects.map((d) => `${d.code}${d.ref_designator ? ` ${d.ref_designator}` : ""}`).join(", "),
    ]),
  };
}

export function inspectionPlansTable(plans: Plan[], chars: Characteristic[], names: Names): ExportTable {
  return {
    title: t("Inspection plans"),
    columns: [t("Plan"), t("Product"), t("Step"), t("Sampling"), t("Every n-th"), t("Share (%)"), t("Characteristics")],
    rows: plans.map((p) => [
      p.name, names.product(p.product_id), p.step_seq, t(SAMPLING[p.sampling] ?? p.sampling),
      p.sampling === "nth" ? p.sample_every ?? null : null, p.sampling === "random" ? share(p.sample_share) : null,
      chars.filter((ch) => ch.plan_id === p.id).map((ch) => ch.kind === "variable" ? `${ch.name} ${ch.lsl ?? ""}…${ch.usl ?? ""} ${ch.unit}` : ch.name).join("; "),
    ]),
  };
}

/** Quality: yield figures, control charts with their limits and violations, the defect
 * Pareto, inspection plans, results by serial, and nonconformances with dispositions. */
export function QualityPage() {
  const scope = useScopeLabel();
  const [days, setDays] = useState(7);
  const query = useMemo(() => ({ from: new Date(Date.now() - days * 86_400_000).toISOString() }), [days]);
  const figures = useApi(() => getFigures(query), [query]);
  const [by, setBy] = useState("code");
  const pareto = useApi(() => getPareto(by, query), [by, query]);
  const plans = useApi(listPlans, []);
  const chars = useApi(listCharacteristics, []);
  const products = useApi(listProducts, []);
  const [charId, setCharId] = useState<number>();
  const selected = charId ?? chars.data?.[0]?.id;
  const chart = useApi(() => (selected === undefined ? Promise.resolve(undefined) : getChart(selected)), [selected]);
  usePolling(chart.reload, 5_000);
  const [serial, setSerial] = useState("");
  const results = useApi(() => listInspections({ serial: serial || undefined, limit: 20 }), [serial]);
  usePolling(results.reload, 10_000);
  const ncrs = useApi(() => listNonconformances(), []);
  const canDispose = useCan("quality:disposition");
  const disposeDenied = useDeniedReason("quality:disposition");
  const canRecord = useCan("quality:record");
  const recordDenied = useDeniedReason("quality:record");
  const [actionError, setActionError] = useState<unknown>();
  const [choice, setChoice] = useState<Record<number, Disposition>>({});
  const productCode = (id: number) => products.data?.find((p) => p.id === id)?.code ?? `#${id}`;
  const charName = (id: number) => chars.data?.find((c) => c.id === id)?.name ?? `#${id}`;
  const names: Names = { product: productCode, characteristic: charName };

  const [entry, setEntry] = useState({ serial: "", value: "" });
  const [entryMsg, setEntryMsg] = useState<string>();
  // Every product's plan has its "Supply voltage": the product and the plan tell them apart.
  const charLabel = (ch: { plan_id: number; name: string; unit: string }) => {
    const plan = plans.data?.find((p) => p.id === ch.plan_id);
    const name = `${ch.name}${ch.unit ? ` (${ch.unit})` : ""}`;
    return plan ? `${productCode(plan.product_id)} · ${plan.name} · ${name}` : name;
  };
  const selChar = chars.data?.find((c) => c.id === selected);
  const selPlan = plans.data?.find((p) => p.id === selChar?.plan_id);
  const submitEntry = async () => {
    if (!selChar || !selPlan) return;
    setActionError(undefined);
    setEntryMsg(undefined);
    try {
      const isVar = selChar.kind === "variable";
      const out = await recordInspection({
        product_id: selPlan.product_id, step_seq: selPlan.step_seq, plan_id: selPlan.id,
        serial: entry.serial || null,
        measurements: [isVar
          ? { characteristic_id: selChar.id, value: Number(entry.value), passed: null }
          : { characteristic_id: selChar.id, value: null, passed: entry.value !== "fail" }],
      } as Parameters<typeof recordInspection>[0]);
      setEntryMsg(out.violations.length
        ? t("Recorded; out of control: {rules}", { rules: out.violations.join(", ") })
        : out.passed ? t("Recorded: passed") : t("Recorded: failed"));
      setEntry({ serial: "", value: "" });
      chart.reload();
      results.reload();
      figures.reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const doDispose = async (id: number, version: number) => {
    setActionError(undefined);
    try {
      await dispose(id, choice[id] ?? "scrap", version, "");
      ncrs.reload();
      figures.reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const acknowledge = async (id: number) => {
    setActionError(undefined);
    try {
      await acknowledgeCharacteristic(id);
      chart.reload();
      chars.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  const f = figures.data;
  const c = chart.data;
  return (
    <div className="quality-page">
      <PageHeader title={t("Quality")}
        subtitle={<>{scope
          ? t("Yield, control charts, defects and nonconformances in {scope}.", { scope })
          : t("Yield, control charts, defects and nonconformances.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />
      {actionError !== undefined && <ErrorState error={actionError} />}
      <div className="quality-toolbar">
        <label className="field-inline">
          <span>{t("Period")}</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="quality-period">
            <option value={1}>{t("Last 24 hours")}</option>
            <option value={7}>{t("Last 7 days")}</option>
            <option value={30}>{t("Last 30 days")}</option>
          </select>
        </label>
        {f && <span className="muted">{t("{start} to {end}", { start: fmtDateTime(f.start), end: fmtDateTime(f.end) })}</span>}
      </div>

      <SamplesSection />

      <section aria-label={t("Yield")}>
        <h2>{t("Yield")}</h2>
        {figures.error !== undefined && !f ? <ErrorState error={figures.error} onRetry={figures.reload} /> : !f ? <Loading /> : (
          <>
            <div className="quality-tiles" data-testid="quality-figures">
              <div className="quality-tile" data-testid="fig-fpy"><div className="value">{pct(f.fpy)}</div><div className="label">{t("First pass yield")}</div></div>
              <div className="quality-tile" data-testid="fig-rty"><div className="value">{pct(f.rty)}</div><div className="label">{t("Rolled throughput yield")}</div></div>
              <div className="quality-tile"><div className="value">{pct(f.scrap_ratio)}</div><div className="label">{t("Scrap ratio")}</div></div>
              <div className="quality-tile"><div className="value">{pct(f.rework_ratio)}</div><div className="label">{t("Rework ratio")}</div></div>
              <div className="quality-tile" data-testid="fig-dpmo"><div className="value">{f.dpmo == null ? "–" : fmtNumber(Math.round(f.dpmo))}</div><div className="label">{t("DPMO")}</div></div>
              <div className="quality-tile"><div className="value">{fmtNumber(f.inspected)}</div><div className="label">{t("Units inspected")}</div></div>
            </div>
            {(f.machines ?? []).length + (f.areas ?? []).length > 0 && (
              <div className="quality-groups">
                {([["areas", t("First pass yield by area"), t("Area")], ["machines", t("First pass yield by machine"), t("Machine")]] as const).map(([key, title, label]) => (f[key] ?? []).length > 0 && (
                  <div className="table-wrap" key={key}>
                    <table className="table" data-testid={`yield-${key}`} aria-label={title}>
                      <caption>{title}</caption>
                      <thead><tr><th>{label}</th><th className="num">{t("Inspected")}</th><th className="num">{t("First pass good")}</th><th className="num">{t("First pass yield")}</th></tr></thead>
                      <tbody>
                        {(f[key] ?? []).map((g) => (
                          <tr key={g.id} data-code={g.code}>
                            <td>{g.name || g.code}</td><td className="num">{fmtNumber(g.inspected)}</td>
                            <td className="num">{fmtNumber(g.first_pass_good)}</td><td className="num">{pct(g.fpy)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ))}
              </div>
            )}
            {f.steps.length > 0 && (
              <div className="table-wrap">
                <table className="table" data-testid="yield-steps">
                  <thead><tr><th>{t("Step")}</th><th className="num">{t("Inspected")}</th><th className="num">{t("First pass good")}</th><th className="num">{t("First pass yield")}</th><th>{t("From")}</th></tr></thead>
                  <tbody>
                    {f.steps.map((s) => (
                      <tr key={s.step_seq}>
                        <td>{s.step_seq}</td><td className="num">{fmtNumber(s.inspected)}</td>
                        <td className="num">{fmtNumber(s.first_pass_good)}</td><td className="num">{pct(s.fpy)}</td>
                        <td>{s.basis === "serials" ? t("unit serials") : t("counts")}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </section>

      <section aria-label={t("Control chart")}>
        <h2>{t("Control chart")}</h2>
        {!chars.data ? <Loading /> : chars.data.length === 0 ? <Empty>{t("No characteristics yet: add an inspection plan.")}</Empty> : (
          <>
            <div className="quality-toolbar">
              <label className="field-inline">
                <span>{t("Characteristic")}</span>
                <select value={selected} onChange={(e) => setCharId(Number(e.target.value))} data-testid="spc-characteristic">
                  {chars.data.map((ch) => <option key={ch.id} value={ch.id}>{charLabel(ch)}</option>)}
                </select>
              </label>
              {c?.out_of_control_since && (
                <span className="ooc" data-testid="spc-out-of-control">
                  {t("Out of control since {time}", { time: fmtDateTime(c.out_of_control_since) })}
                  {" "}
                  <button type="button" className="btn btn-small" disabled={!canDispose} title={disposeDenied ?? undefined}
                    onClick={() => void acknowledge(c.characteristic_id)}>{t("Clear mark")}</button>
                </span>
              )}
            </div>
            {!c ? <Loading /> : c.points.length === 0 ? (
              <Empty>{selChar?.kind === "attribute"
                ? (c.kind === "np" ? t("An np chart needs at least two complete samples of one size.") : t("Too few complete samples for this chart yet."))
                : t("Too few readings for this chart yet.")}</Empty>
            ) : (
              <>
                {selChar?.kind === "attribute" && (
                  <p data-testid="spc-kind" data-kind={c.kind}>
                    {t(ATTRIBUTE_CHARTS[c.kind] ?? c.kind)}
                    {" · "}{t("samples of {n} results", { n: selChar.subgroup_size })}
                    {c.samples.length > 0 && <>{" · "}{t("latest: {bad} of {units} units nonconforming, {defects} defects", {
                      bad: c.samples[c.samples.length - 1].nonconforming,
                      units: c.samples[c.samples.length - 1].units,
                      defects: c.samples[c.samples.length - 1].nonconformities,
                    })}</>}
                  </p>
                )}
                <p className="muted">
                  {t("Rules: {rules}", { rules: c.rules.join(", ") || "–" })}
                  {" · "}{t("{count} points, {violations} with a rule broken", { count: c.points.length, violations: c.points.filter((p) => p.violations.length > 0).length })}
                </p>
                <ControlChart points={c.points} spec={{ lsl: c.lsl, usl: c.usl }} label={t("Control chart of {name}", { name: c.name })} testId="spc-chart" />
                {c.secondary.length > 0 && (
                  <ControlChart points={c.secondary} label={t("Dispersion chart of {name}", { name: c.name })} testId="spc-secondary" />
                )}
                {c.capability && (
                  <table className="table" data-testid="capability">
                    <thead><tr><th className="num">{t("Cp")}</th><th className="num">{t("Cpk")}</th><th className="num">{t("Pp")}</th><th className="num">{t("Ppk")}</th><th className="num">{t("Mean")}</th><th className="num">{t("Sigma within")}</th><th className="num">{t("Sigma overall")}</th><th className="num">{t("n")}</th></tr></thead>
                    <tbody><tr>
                      <td className="num">{num(c.capability.cp)}</td><td className="num">{num(c.capability.cpk)}</td>
                      <td className="num">{num(c.capability.pp)}</td><td className="num">{num(c.capability.ppk)}</td>
                      <td className="num">{num(c.capability.mean, 4)}</td><td className="num">{num(c.capability.sigma_within, 4)}</td>
                      <td className="num">{num(c.capability.sigma_overall, 4)}</td><td className="num">{fmtNumber(c.capability.n)}</td>
                    </tr></tbody>
                  </table>
                )}
              </>
            )}
            {selChar && selPlan && (
              <form className="quality-form" data-testid="inspection-entry" onSubmit={(e) => { e.preventDefault(); void submitEntry(); }}>
                <strong>{t("Record a result")}</strong>
                <span className="muted">
                  {selChar.kind === "variable"
                    ? t("Spec: {lsl} to {usl} {unit}, nominal {nominal}", { lsl: num(selChar.lsl, 3), usl: num(selChar.usl, 3), unit: selChar.unit, nominal: num(selChar.nominal, 3) })
                    : t("Pass or fail")}
                </span>
                <label>{t("Serial")}<input value={entry.serial} onChange={(e) => setEntry({ ...entry, serial: e.target.value })} data-testid="entry-serial" /></label>
                {selChar.kind === "variable" ? (
                  <label>{t("Value")}<input inputMode="decimal" required value={entry.value} onChange={(e) => setEntry({ ...entry, value: e.target.value })} data-testid="entry-value" /></label>
                ) : (
                  <label>{t("Result")}
                    <select value={entry.value || "pass"} onChange={(e) => setEntry({ ...entry, value: e.target.value })} data-testid="entry-value">
                      <option value="pass">{t("Pass")}</option><option value="fail">{t("Fail")}</option>
                    </select>
                  </label>
                )}
                <button type="submit" className="btn btn-primary" disabled={!canRecord} title={recordDenied ?? undefined}>{t("Record")}</button>
                {entryMsg && <span role="status" data-testid="entry-result">{entryMsg}</span>}
              </form>
            )}
          </>
        )}
      </section>

      <section aria-label={t("Defect Pareto")}>
        <h2>{t("Defect Pareto")}</h2>
        <label className="field-inline">
          <span>{t("By")}</span>
          <select value={by} onChange={(e) => setBy(e.target.value)} data-testid="pareto-by">
            {PARETO_BY.map((p) => <option key={p.id} value={p.id}>{t(p.label)}</option>)}
          </select>
        </label>
        {pareto.data && pareto.data.rows.length > 0 && <ExportButton label={t("Defect Pareto")}
          table={() => defectParetoTable(pareto.data!, t(PARETO_BY.find((p) => p.id === by)?.label ?? by))} />}
        {!pareto.data ? <Loading /> : pareto.data.rows.length === 0 ? <Empty>{t("No defects in this period.")}</Empty> : (
          <table className="table" data-testid="pareto">
            <thead><tr><th>{t(PARETO_BY.find((p) => p.id === by)?.label ?? "Key")}</th><th className="num">{t("Defects")}</th><th className="num">{t("Share")}</th><th className="num">{t("Cumulative")}</th><th></th></tr></thead>
            <tbody>
              {pareto.data.rows.map((r) => (
                <tr key={r.key} data-key={r.key}>
                  <td className="mono">{r.key === "unassigned" ? t("unassigned") : r.key}</td>
                  <td className="num">{fmtNumber(r.count)}</td><td className="num">{pct(r.share)}</td><td className="num">{pct(r.cumulative_share)}</td>
                  <td><span className="quality-bar" style={{ width: `${Math.round((r.share ?? 0) * 200)}px` }} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-label={t("Nonconformances")}>
        <h2>{t("Nonconformances")}</h2>
        {ncrs.data && ncrs.data.items.length > 0 && <ExportButton label={t("Nonconformances")} table={() => nonconformancesTable(ncrs.data!.items, names)} />}
        {!ncrs.data ? <Loading /> : ncrs.data.items.length === 0 ? <Empty>{t("No nonconformances.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="ncr-table">
              <thead><tr><th>#</th><th>{t("Product")}</th><th>{t("Description")}</th><th className="num">{t("Quantity")}</th><th>{t("Held")}</th><th>{t("Status")}</th><th>{t("Disposition")}</th></tr></thead>
              <tbody>
                {ncrs.data.items.map((n) => (
                  <tr key={n.id} data-ncr={n.id}>
                    <td>{n.id}</td><td className="mono">{productCode(n.product_id)}</td><td>{n.description}</td>
                    <td className="num">{fmtNumber(n.quantity)}</td>
                    <td>{n.hold ? (n.lot ? t("lot {lot}", { lot: n.lot }) : t("serials {from} to {to}", { from: n.serial_from ?? "", to: n.serial_to ?? "" })) : "–"}</td>
                    <td>{n.status === "open" ? t("open") : t("closed")}</td>
                    <td>
                      {n.status === "open" ? (
                        <>
                          <select value={choice[n.id] ?? "scrap"} disabled={!canDispose} data-testid="ncr-disposition"
                            onChange={(e) => setChoice({ ...choice, [n.id]: e.target.value as Disposition })}>
                            {DISPOSITIONS.map((d) => <option key={d.id} value={d.id}>{t(d.label)}</option>)}
                          </select>{" "}
                          <button type="button" className="btn btn-small btn-primary" disabled={!canDispose} title={disposeDenied ?? undefined}
                            onClick={() => void doDispose(n.id, n.version)}>{t("Decide")}</button>
                        </>
                      ) : (
                        <span data-testid="ncr-decided">{t(DISPOSITIONS.find((d) => d.id === n.disposition)?.label ?? "–")} · {fmtDateTime(n.disposed_at)}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-label={t("Inspection results")}>
        <h2>{t("Inspection results")}</h2>
        <label className="field-inline">
          <span>{t("Unit history by serial")}</span>
          <input value={serial} onChange={(e) => setSerial(e.target.value.trim())} placeholder={t("Serial")} data-testid="serial-search" />
        </label>
        {results.data && results.data.items.length > 0 && <ExportButton label={t("Inspection results")} table={() => inspectionResultsTable(results.data!.items, names)} />}
        {!results.data ? <Loading /> : results.data.items.length === 0 ? <Empty>{t("No results.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="results-table">
              <thead><tr><th>{t("Time")}</th><th>{t("Product")}</th><th>{t("Step")}</th><th>{t("Serial")}</th><th>{t("Method")}</th><th>{t("Result")}</th><th>{t("Values")}</th><th>{t("Defects")}</th></tr></thead>
              <tbody>
                {results.data.items.map((r) => (
                  <tr key={r.id} data-serial={r.serial ?? ""}>
                    <td>{fmtDateTime(r.inspected_at)}</td><td className="mono">{productCode(r.product_id)}</td><td>{r.step_seq}</td>
                    <td className="mono">{r.serial ?? t("{count} units", { count: r.quantity })}</td><td>{r.method.toUpperCase()}</td>
                    <td>{r.passed ? t("Pass") : t("Fail")}{r.first_pass ? "" : ` (${t("retest")})`}{r.held ? ` · ${t("on hold")}` : ""}</td>
                    <td>{r.measurements.map((m) => `${charName(m.characteristic_id)} ${m.value == null ? (m.passed ? t("Pass") : t("Fail")) : fmtDecimal(m.value, 3)}`).join(", ")}</td>
                    <td>{r.defects.map((d) => `${d.code}${d.ref_designator ? ` ${d.ref_designator}` : ""}`).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <PlansSection plans={plans.data} chars={chars.data} products={products.data}
        exportButton={plans.data && plans.data.length > 0
          ? <ExportButton label={t("Inspection plans")} table={() => inspectionPlansTable(plans.data!, chars.data ?? [], names)} />
          : null}
        onChanged={() => { plans.reload(); chars.reload(); chart.reload(); }} />
    </div>
  );
}
