import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, listLines, listOperators, listProducts } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { navigate } from "../router";
import { useApi } from "../useApi";
import {
  addChange, checkPublish, compareScenario, createScenario, deleteChange, listPlans, listRuns, listScenarios, publishScenario,
  rebaseScenario, solveScenario, startOrFollow, type Adopted, type AdoptRefusal, type ChangeKind, type Comparison,
  type Run, type Scenario, type ScenarioChange,
} from "../schedule/api";
import { Confirm, TimeLimitSelect, fmtHours, fmtWhen } from "../schedule/bits";
import { RunProgress } from "../schedule/RunProgress";
import { ScheduleTabs } from "../schedule/ScheduleTabs";
import { ScenarioPrediction } from "../delivery/ScenarioPrediction";
import "../schedule/schedule.css";
import { fmtDecimal, fmtPercent, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { siteZone } from "../site";
import { instantOf, wallClock } from "../zoned";

const KINDS: { value: ChangeKind; label: string }[] = [
  { value: "line_down", label: msg("Line down") },
  { value: "rush_order", label: msg("Rush order") },
  { value: "absent_operator", label: msg("Absent operator") },
  { value: "extra_shift", label: msg("Extra shift") },
];

/** "2026-11-26T06:00" for a datetime-local input: the site's wall clock, not the browser's. */
function localInput(ms: number): string {
  return new Date(wallClock(siteZone(), ms)).toISOString().slice(0, 16);
}

/** A datetime-local value read as the site's wall clock, as an ISO instant for the API. */
function siteInstant(value: string): string {
  return new Date(instantOf(siteZone(), Date.parse(`${value}:00Z`))).toISOString();
}

function nextHour(offsetH: number): string {
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  return localInput(hour + (offsetH + 1) * 3_600_000);
}

/** What-if scenarios: start from the published plan, add changes, solve, compare. */
export function ScenariosPage({ query }: { query: URLSearchParams }) {
  const selectedId = Number(query.get("id")) || null;
  const scenarios = useApi(listScenarios, []);
  const published = useApi(() => listPlans().then((ps) => ps.find((p) => p.status === "published") ?? null), []);
  const [name, setName] = useState("");
  const [createError, setCreateError] = useState<unknown>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setCreateError(undefined);
    try {
      const s = await createScenario(name.trim());
      setName("");
      scenarios.reload();
      navigate(`/schedule/scenarios?id=${s.id}`);
    } catch (err) {
      setCreateError(err);
    }
  };

  const selected = scenarios.data?.find((s) => s.id === selectedId) ?? null;

  return (
    <div className="schedule-page">
      <PageHeader title={t("Schedule")} subtitle={<>{t("What-if scenarios: change the situation, re-plan, compare with the published plan")} · <span data-testid="time-zone">{zoneLabel()}</span></>}
        actions={<ScheduleTabs active="scenarios" />} />
      <div className="scn-layout">
        <aside className="panel">
          <h2 className="panel-title">{t("Scenarios")}</h2>
          <form onSubmit={create} className="scn-create">
            <div className="field">
              <label htmlFor="scn-name" className="field-label">{t("Scenario name")}</label>
              <input id="scn-name" className="input" value={name} onChange={(e) => setName(e.target.value)} required
                placeholder={t("e.g. SMT-2 down Thursday")} />
            </div>
            <p className="muted small-note">
              {published.data ? t("Starts from the published plan #{id}.", { id: String(published.data.id) }) : t("Starts from the published plan.")}
            </p>
            <button type="submit" className="btn btn-primary btn-block" disabled={!name.trim() || published.data === null}>{t("Create scenario")}</button>
            {published.data === null && <p className="muted small-note">{t("Publish a plan first.")}</p>}
            {createError !== undefined && <ErrorState error={createError} />}
          </form>
          <div className="scn-list">
            {scenarios.data?.map((s) => (
              <Link key={s.id} to={`/schedule/scenarios?id=${s.id}`} className={`scn-item${s.id === selectedId ? " on" : ""}`}>
                <strong>{s.name}</strong>
                <small>{t("{count} changes", { count: s.changes.length })} · {s.plan_id ? t("solved") : t("not solved")} · {fmtWhen(s.created_at)}</small>
              </Link>
            ))}
          </div>
        </aside>
        <div>
          {scenarios.error !== undefined && <ErrorState error={scenarios.error} onRetry={scenarios.reload} />}
          {!scenarios.data && scenarios.error === undefined && <Loading />}
          {scenarios.data && !selected && <Empty>{t("Pick a scenario or create one.")}</Empty>}
          {selected && (
            <ScenarioDetail key={selected.id} scenario={selected}
              onChanged={() => { scenarios.reload(); published.reload(); }} />
          )}
        </div>
      </div>
    </div>
  );
}

function kindLabel(kind: string): string {
  const k = KINDS.find((x) => x.value === kind);
  return k ? t(k.label) : kind;
}

function describe(c: ScenarioChange, lineCode: (id: number) => string, productCode: (id: number) => string, operatorName: (id: number) => string): string {
  const span = c.kind === "rush_order" ? "" : `${fmtWhen(String(c.start))} – ${fmtWhen(String(c.end))}`;
  switch (c.kind) {
    case "line_down":
      return t("{line} down {span}", { line: lineCode(Number(c.line_id)), span });
    case "rush_order":
      return t("{number}: {quantity} × {product}, due {due}, priority {priority}", {
        number: c.number ? String(c.number) : t("New order"), quantity: Number(c.quantity), product: productCode(Number(c.product_id)),
        due: fmtWhen(String(c.due_date)), priority: String(c.priority),
      });
    case "absent_operator":
      return t("{operator} absent {span}", { operator: operatorName(Number(c.operator_id)), span });
    case "extra_shift": {
      const ids = (c.line_ids as number[] | undefined) ?? [];
      return ids.length ? t("Extra shift {span} on {lines}", { span, lines: ids.map(lineCode).join(", ") }) : t("Extra shift {span} on all lines", { span });
    }
  }
}

function ScenarioDetail({ scenario, onChanged }: { scenario: Scenario; onChanged: () => void }) {
  const lines = useApi(listLines, []);
  const products = useApi(listProducts, []);
  const operators = useApi(listOperators, []);
  const lineCode = (id: number) => lines.data?.find((l) => l.id === id)?.code ?? t("line {id}", { id: String(id) });
  const productCode = (id: number) => products.data?.find((p) => p.id === id)?.code ?? t("product {id}", { id: String(id) });
  const operatorName = (id: number) => operators.data?.find((o) => o.id === id)?.name ?? t("operator {id}", { id: String(id) });

  const [kind, setKind] = useState<ChangeKind>("line_down");
  const [lineId, setLineId] = useState("");
  const [start, setStart] = useState(() => nextHour(2));
  const [end, setEnd] = useState(() => nextHour(10));
  const [productId, setProductId] = useState("");
  const [quantity, setQuantity] = useState("100");
  const [due, setDue] = useState(() => nextHour(36));
  const [priority, setPriority] = useState("1");
  const [number, setNumber] = useState("");
  const [operatorId, setOperatorId] = useState("");
  const [shiftLines, setShiftLines] = useState<number[]>([]);
  const [changeError, setChangeError] = useState<unknown>();

  const firstLine = lines.data?.[0]?.id;
  const firstProduct = products.data?.[0]?.id;
  const firstOperator = operators.data?.[0]?.id;

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setChangeError(undefined);
    const iso = siteInstant;
    let body: Record<string, unknown>;
    if (kind === "line_down") body = { kind, line_id: Number(lineId || firstLine), start: iso(start), end: iso(end) };
    else if (kind === "rush_order") {
      body = { kind, product_id: Number(productId || firstProduct), quantity: Number(quantity), due_date: iso(due), priority: Number(priority) };
      if (number.trim()) body.number = number.trim();
    } else if (kind === "absent_operator") body = { kind, operator_id: Number(operatorId || firstOperator), start: iso(start), end: iso(end) };
    else body = { kind, start: iso(start), end: iso(end), line_ids: shiftLines };
    try {
      await addChange(scenario.id, body);
      setNumber("");
      onChanged();
    } catch (err) {
      setChangeError(err);
    }
  };

  const remove = async (changeId: number) => {
    try {
      await deleteChange(scenario.id, changeId);
      onChanged();
    } catch (err) {
      setChangeError(err);
    }
  };

  // --- solve ------------------------------------------------------------------------------
  const [limit, setLimit] = useState(10);
  const [run, setRun] = useState<Run | null>(null);
  const [solveError, setSolveError] = useState<unknown>();
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [compareError, setCompareError] = useState<unknown>();
  const loadComparison = useCallback(() => {
    compareScenario(scenario.id).then(setComparison, (e) => {
      if (!(e instanceof ApiError && e.status === 409)) setCompareError(e);
    });
  }, [scenario.id]);
  useEffect(() => {
    if (scenario.plan_id) loadComparison();
    listRuns(scenario.id).then((runs) => {
      const going = runs.find((r) => r.finished_at === null && r.status !== "failed");
      if (going) setRun(going);
    }, () => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scenario.id]);

  const solve = async () => {
    setSolveError(undefined);
    try {
      setRun(await startOrFollow(() => solveScenario(scenario.id, { time_limit_s: limit, horizon_days: 14 }), scenario.id));
    } catch (err) {
      setSolveError(err);
    }
  };
  const onDone = useCallback((done: Run) => {
    if (done.status === "failed") setSolveError(new Error(done.error ?? t("The solve failed.")));
    else loadComparison();
    onChanged();
  }, [loadComparison, onChanged]);

  const needsWindow = kind !== "rush_order";

  return (
    <>
      <section className="panel">
        <h2 className="panel-title">{scenario.name}</h2>
        <p className="muted scn-meta">
          {t("Baseline plan #{id}", { id: String(scenario.baseline_plan_id ?? "—") })}
          {scenario.plan_id && <> · {t("scenario plan")} <Link to={`/schedule?plan=${scenario.plan_id}`}>#{scenario.plan_id}</Link></>}
        </p>
        <h3 className="sub-title">{t("Changes")}</h3>
        {scenario.changes.length === 0 && <p className="muted">{t("No changes yet: the scenario is the published plan.")}</p>}
        <ul className="change-list">
          {scenario.changes.map((c) => (
            <li key={c.id} className="change-item" data-testid="change-item">
              <span><span className="change-kind">{kindLabel(c.kind)}</span>{describe(c, lineCode, productCode, operatorName)}</span>
              <button type="button" className="btn-link" onClick={() => remove(c.id)}>{t("Remove")}</button>
            </li>
          ))}
        </ul>
        <form onSubmit={add} className="form-row change-form">
          <div className="field">
            <label htmlFor="chg-kind">{t("Change")}</label>
            <select id="chg-kind" className="input" value={kind} onChange={(e) => setKind(e.target.value as ChangeKind)}>
              {KINDS.map((k) => <option key={k.value} value={k.value}>{t(k.label)}</option>)}
            </select>
          </div>
          {kind === "line_down" && (
            <div className="field">
              <label htmlFor="chg-line">{t("Line")}</label>
              <select id="chg-line" className="input" value={lineId || String(firstLine ?? "")} onChange={(e) => setLineId(e.target.value)}>
                {lines.data?.map((l) => <option key={l.id} value={l.id}>{l.code} · {l.name}</option>)}
              </select>
            </div>
          )}
          {kind === "absent_operator" && (
            <div className="field">
              <label htmlFor="chg-op">{t("Operator")}</label>
              <select id="chg-op" className="input" value={operatorId || String(firstOperator ?? "")} onChange={(e) => setOperatorId(e.target.value)}>
                {operators.data?.map((o) => <option key={o.id} value={o.id}>{o.name} ({o.code})</option>)}
              </select>
            </div>
          )}
          {kind === "rush_order" && (
            <>
              <div className="field">
                <label htmlFor="chg-product">{t("Product")}</label>
                <select id="chg-product" className="input" value={productId || String(firstProduct ?? "")} onChange={(e) => setProductId(e.target.value)}>
                  {products.data?.map((p) => <option key={p.id} value={p.id}>{p.code} · {p.name}</option>)}
                </select>
              </div>
              <div className="field narrow">
                <label htmlFor="chg-qty">{t("Quantity")}</label>
                <input id="chg-qty" className="input" type="number" min={1} value={quantity} onChange={(e) => setQuantity(e.target.value)} required />
              </div>
              <div className="field">
                <label htmlFor="chg-due">{t("Due")}</label>
                <input id="chg-due" className="input" type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} required />
              </div>
              <div className="field narrow">
                <label htmlFor="chg-prio">{t("Priority")}</label>
                <select id="chg-prio" className="input" value={priority} onChange={(e) => setPriority(e.target.value)}>
                  {[1, 2, 3, 4, 5].map((p) => <option key={p} value={p}>{p === 1 ? t("1 (most urgent)") : p}</option>)}
                </select>
              </div>
              <div className="field">
                <label htmlFor="chg-number">{t("Order number")}</label>
                <input id="chg-number" className="input" value={number} onChange={(e) => setNumber(e.target.value)} placeholder={t("optional")} />
              </div>
            </>
          )}
          {needsWindow && (
            <>
              <div className="field">
                <label htmlFor="chg-start">{t("From")}</label>
                <input id="chg-start" className="input" type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />
              </div>
              <div className="field">
                <label htmlFor="chg-end">{t("Until")}</label>
                <input id="chg-end" className="input" type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} required />
              </div>
            </>
          )}
          {kind === "extra_shift" && (
            <fieldset className="field line-checks-field">
              <legend className="field-label">{t("Lines (none = all)")}</legend>
              <div className="line-checks">
                {lines.data?.map((l) => (
                  <label key={l.id} className="check">
                    <input type="checkbox" checked={shiftLines.includes(l.id)}
                      onChange={(e) => setShiftLines(e.target.checked ? [...shiftLines, l.id] : shiftLines.filter((x) => x !== l.id))} />
                    {l.code}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          <button type="submit" className="btn">{t("Add change")}</button>
        </form>
        {changeError !== undefined && <ErrorState error={changeError} />}
        <div className="solve-row">
          <TimeLimitSelect id="scn-limit" value={limit} onChange={setLimit} />
          <button type="button" className="btn btn-primary" onClick={solve} disabled={run !== null && run.finished_at === null && !comparison}>
            {t("Solve scenario")}
          </button>
        </div>
        {solveError !== undefined && <ErrorState error={solveError} />}
      </section>
      {run && <RunProgress key={run.id} run={run} title={t("Solving scenario")} onDone={onDone} onClose={() => setRun(null)} />}
      {compareError !== undefined && <ErrorState error={compareError} onRetry={loadComparison} />}
      {comparison && (
        <ComparisonView cmp={comparison} actions={
          <PublishScenario key={comparison.scenario_plan_id} scenario={scenario} cmp={comparison} describe={(c) => describe(c, lineCode, productCode, operatorName)} productCode={productCode}
            onRebased={() => { onChanged(); loadComparison(); }} onPublished={onChanged} />
        } />
      )}
    </>
  );
}

/**
 * Adopt the scenario: its plan becomes the published plan. Whether that is safe is asked
 * first (publish-check), so every refusal shows before the confirmation, never after it:
 * a comparison made before a change was added or removed disables Publish ("re-solve
 * first"); an outdated baseline can be re-based here. Rush orders become real orders.
 */
function PublishScenario({ scenario, cmp, describe, productCode, onRebased, onPublished }: {
  scenario: Scenario;
  cmp: Comparison;
  describe: (c: ScenarioChange) => string;
  productCode: (id: number) => string;
  onRebased: () => void;
  onPublished: () => void;
}) {
  const changeIds = scenario.changes.map((c) => c.id).join(",");
  const check = useApi(() => checkPublish(scenario.id), [scenario.id, changeIds, cmp.scenario_plan_id]);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Adopted | null>(null);
  const [refused, setRefused] = useState<AdoptRefusal[] | null>(null);
  const [rebased, setRebased] = useState(false);
  const [error, setError] = useState<unknown>();
  const assumed = scenario.changes.filter((c) => c.kind !== "rush_order");

  const refusals: AdoptRefusal[] = refused ?? (check.data?.refusals as AdoptRefusal[] | undefined) ?? [];
  const stale = refusals.some((r) => r.code === "changes_edited" || r.code === "plan_changed" || r.code === "solved_before_rebase");
  const ready = check.data?.publishable === true && check.data.scenario_plan_id === cmp.scenario_plan_id && refused === null;
  const blocked = stale ? t("Re-solve first: the changes were edited after the last solve, so this comparison is stale.")
    : check.loading && !check.data ? t("Checking whether this plan can be published…")
    : !ready ? t("This scenario cannot be published now; the reasons are listed below.") : null;

  const publish = async () => {
    setBusy(true);
    setError(undefined);
    setRefused(null);
    try {
      setDone(await publishScenario(scenario.id, cmp.scenario_plan_id));
      onPublished();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setRefused(e.errors.length ? (e.errors as AdoptRefusal[]) : [{ field: "plan_id", message: e.detail }]);
      } else setError(e);
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };
  const rebase = async () => {
    setError(undefined);
    try {
      await rebaseScenario(scenario.id);
      setRefused(null);
      setRebased(true);
      onRebased();
      check.reload();
    } catch (e) {
      setError(e);
    }
  };
  const outdated = refusals.find((r) => r.code === "baseline_outdated");
  const creates = check.data?.creates_orders ?? [];

  return (
    <div className="adopt">
      <div className="adopt-row">
        {scenario.adopted_plan_id && !done && (
          <span className="muted">{t("Published as")} <Link to={`/schedule?plan=${scenario.adopted_plan_id}`}>{t("plan #{id}", { id: String(scenario.adopted_plan_id) })}</Link></span>
        )}
        {!done && blocked && <span className="muted small-note" data-testid="publish-blocked">{blocked}</span>}
        <button type="button" className="btn btn-primary" data-testid="publish-scenario" onClick={() => setConfirm(true)}
          disabled={busy || done !== null || !ready} title={blocked ?? undefined}>
          {t("Publish this plan")}
        </button>
      </div>
      {done && (
        <div className="move-feedback fb-ok" role="status" data-testid="scenario-published">
          <span>
            <Link to={`/schedule?plan=${done.plan.id}`}>{t("Plan #{id}", { id: String(done.plan.id) })}</Link>{" "}
            {done.superseded_plan_id
              ? t("is published: the floor works from it now; plan #{old} is superseded.", { old: String(done.superseded_plan_id) })
              : t("is published: the floor works from it now.")}
            {done.assumptions.length > 0 && <> {t("It assumes: {assumptions}.", { assumptions: done.assumptions.map((a) => a.text).join("; ") })}</>}
            {done.created_orders.length > 0 && (
              <> {t("Created and released:")}{" "}
                {done.created_orders.map((o, i) => <span key={o.id}>{i > 0 && ", "}<Link to={`/orders/${encodeURIComponent(o.number)}`}>{o.number}</Link></span>)}
              </>
            )}
          </span>
        </div>
      )}
      {rebased && <p className="muted small-note">{t("Re-based on the published plan: solve the scenario again, then publish.")}</p>}
      {!done && refusals.length > 0 && (
        <div className="move-feedback fb-refused" role="alert" data-testid="publish-refused">
          <strong>{t("This scenario cannot be published now.")}</strong>
          <ul>{refusals.map((r, i) => <li key={i}>{r.message}</li>)}</ul>
          {outdated && <button type="button" className="btn" onClick={rebase}>{t("Re-base on plan #{id}", { id: String(outdated.published_plan_id) })}</button>}
        </div>
      )}
      {check.error !== undefined && <ErrorState error={check.error} onRetry={check.reload} />}
      {error !== undefined && <ErrorState error={error} />}
      {confirm && (
        <Confirm title={t("Publish the plan of “{name}”?", { name: scenario.name })} confirmLabel={t("Publish")} busy={busy}
          onConfirm={publish} onCancel={() => setConfirm(false)}>
          <p>{t("The floor and the operator terminals will work from this scenario's plan (#{id}). The plan published now is superseded.", { id: String(cmp.scenario_plan_id) })}</p>
          {creates.length > 0 && (
            <div data-testid="publish-creates">
              <p>{t("Publishing creates these production orders, released:")}</p>
              <ul>{creates.map((o) => (
                <li key={o.change_id}>{t("{number}: {quantity} × {product}, due {due}", {
                  number: o.number, quantity: o.quantity, product: productCode(o.product_id), due: fmtWhen(o.due_date),
                })}</li>
              ))}</ul>
            </div>
          )}
          {assumed.length > 0 && (
            <>
              <p>{t("It was planned assuming:")}</p>
              <ul>{assumed.map((c) => <li key={c.id}>{describe(c)}</li>)}</ul>
              <p className="muted">{t("These are recorded with the published plan.")}</p>
            </>
          )}
        </Confirm>
      )}
    </div>
  );
}

interface TotalSpec {
  key: keyof Comparison["delta"];
  label: string;
  fmt: (v: number) => string;
  better: "lower" | "higher" | "none";
}

const TOTALS: TotalSpec[] = [
  { key: "orders", label: msg("Orders"), fmt: (v) => String(v), better: "none" },
  { key: "late_orders", label: msg("Late orders"), fmt: (v) => String(v), better: "lower" },
  { key: "tardiness_s", label: msg("Total tardiness"), fmt: fmtHours, better: "lower" },
  { key: "weighted_tardiness", label: msg("Weighted tardiness"), fmt: (v) => fmtHours(v), better: "lower" },
  { key: "makespan_s", label: msg("Makespan"), fmt: fmtHours, better: "lower" },
  { key: "changeovers", label: msg("Changeovers"), fmt: (v) => String(v), better: "lower" },
  { key: "idle_s", label: msg("Idle time"), fmt: fmtHours, better: "lower" },
  { key: "utilization", label: msg("Utilization"), fmt: (v) => `${fmtDecimal(v * 100)} %`, better: "higher" },
];

function signed(v: number, fmt: (v: number) => string): string {
  if (v === 0) return "±0";
  return `${v > 0 ? "+" : "−"}${fmt(Math.abs(v))}`;
}

function ComparisonView({ cmp, actions }: { cmp: Comparison; actions?: ReactNode }) {
  const orders = [...cmp.orders].sort((a, b) => b.delta_tardiness_s - a.delta_tardiness_s || a.order_number.localeCompare(b.order_number));
  return (
    <section className="panel" data-testid="comparison">
      <h2 className="panel-title">{t("Scenario vs baseline")} <span className="muted">{t("plan #{a} vs #{b}", { a: String(cmp.scenario_plan_id), b: String(cmp.baseline_plan_id) })}</span></h2>
      {actions}
      <dl className="cmp-totals">
        {TOTALS.filter((spec) => typeof cmp.scenario[spec.key] === "number").map((spec) => {
          const d = cmp.delta[spec.key] ?? cmp.scenario[spec.key] - cmp.baseline[spec.key];
          const tone = d === 0 || spec.better === "none" ? "same" : (d < 0) === (spec.better === "lower") ? "better" : "worse";
          const fmtD = spec.key === "utilization" ? (v: number) => t("{points} pt", { points: fmtDecimal(v * 100) }) : spec.fmt;
          return (
            <div key={spec.key} className={`cmp-card ${tone}`} data-testid={`total-${spec.key.replace(/_s$/, "").replace(/_/g, "-")}`}>
              <dt>{t(spec.label)}</dt>
              <dd className="cmp-vals" style={{ margin: 0 }}>
                <span className="base" title={t("Baseline")}>{spec.fmt(cmp.baseline[spec.key])} →</span>
                <span className="scn">{spec.fmt(cmp.scenario[spec.key])}</span>
                <span className={`delta ${tone}`}>{signed(d, fmtD)}</span>
              </dd>
            </div>
          );
        })}
      </dl>
      <ScenarioPrediction predicted={cmp.predicted} />
      <div className="cmp-grid">
        <div>
          <h3 className="sub-title">{t("Tardiness per order")} <span className="muted">{t("(biggest change first)")}</span></h3>
          <div className="cmp-table-wrap">
            <table className="cmp-table">
              <thead>
                <tr><th>{t("Order")}</th><th>{t("Due")}</th><th className="num">{t("Baseline")}</th><th className="num">{t("Scenario")}</th><th className="num">Δ</th></tr>
              </thead>
              <tbody>
                {orders.map((o) => {
                  const tone = o.delta_tardiness_s === 0 ? "same" : o.delta_tardiness_s > 0 ? "worse" : "better";
                  return (
                    <tr key={o.order_number} data-testid="order-row">
                      <td><strong>{o.order_number}</strong>{o.only_in === "scenario" && <span className="chip new-chip">{t("new")}</span>}{o.only_in === "baseline" && <span className="chip">{t("removed")}</span>}</td>
                      <td>{fmtWhen(o.due_date)}</td>
                      <td className="num">{o.baseline_tardiness_s === null ? "—" : o.baseline_tardiness_s ? fmtHours(o.baseline_tardiness_s) : t("on time")}</td>
                      <td className="num">{o.scenario_tardiness_s === null ? "—" : o.scenario_tardiness_s ? fmtHours(o.scenario_tardiness_s) : t("on time")}</td>
                      <td className={`num delta ${tone}`}>{o.delta_tardiness_s === 0 ? "±0" : signed(o.delta_tardiness_s, fmtHours)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
        <div>
          <h3 className="sub-title">{t("Line utilization")}</h3>
          <div className="util-legend"><span><i style={{ background: "#94a3b8" }} />{t("Baseline")}</span><span><i style={{ background: "var(--primary)" }} />{t("Scenario")}</span></div>
          {cmp.lines.map((l) => {
            const b = l.baseline?.utilization ?? 0;
            const s = l.scenario?.utilization ?? 0;
            return (
              <div key={l.line_id} className="util-row" data-testid="util-row">
                <span className="util-code">{l.line_code}</span>
                <span className="util-bars" role="img" aria-label={t("{line}: baseline {a} %, scenario {b} %", { line: l.line_code, a: Math.round(b * 100), b: Math.round(s * 100) })}>
                  <span className="util-track"><span className="util-fill base" style={{ width: `${Math.min(100, b * 100)}%`, display: "block" }} /></span>
                  <span className="util-track"><span className="util-fill scn" style={{ width: `${Math.min(100, s * 100)}%`, display: "block" }} /></span>
                </span>
                <span className="util-val">{fmtPercent(b)} → <strong>{fmtPercent(s)}</strong></span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
