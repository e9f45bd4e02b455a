import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, listLines, listOperators, listProducts } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { navigate } from "../router";
import { useApi } from "../useApi";
import {
  addChange, compareScenario, createScenario, deleteChange, listPlans, listRuns, listScenarios, publishScenario,
  rebaseScenario, solveScenario, startOrFollow, type Adopted, type AdoptRefusal, type ChangeKind, type Comparison,
  type Run, type Scenario, type ScenarioChange,
} from "../schedule/api";
import { Confirm, TimeLimitSelect, fmtHours, fmtWhen } from "../schedule/bits";
import { RunProgress } from "../schedule/RunProgress";
import { ScheduleTabs } from "../schedule/ScheduleTabs";
import "../schedule/schedule.css";

const KINDS: { value: ChangeKind; label: string }[] = [
  { value: "line_down", label: "Line down" },
  { value: "rush_order", label: "Rush order" },
  { value: "absent_operator", label: "Absent operator" },
  { value: "extra_shift", label: "Extra shift" },
];

/** "2026-11-26T06:00" for a datetime-local input, in the browser's zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function nextHour(offsetH: number): string {
  const t = new Date();
  t.setMinutes(0, 0, 0);
  return localInput(t.getTime() + (offsetH + 1) * 3_600_000);
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
      <PageHeader title="Schedule" subtitle="What-if scenarios: change the situation, re-plan, compare with the published plan"
        actions={<ScheduleTabs active="scenarios" />} />
      <div className="scn-layout">
        <aside className="panel">
          <h2 className="panel-title">Scenarios</h2>
          <form onSubmit={create} className="scn-create">
            <div className="field">
              <label htmlFor="scn-name" className="field-label">Scenario name</label>
              <input id="scn-name" className="input" value={name} onChange={(e) => setName(e.target.value)} required
                placeholder="e.g. SMT-2 down Thursday" />
            </div>
            <p className="muted small-note">
              Starts from {published.data ? <>the published plan #{published.data.id}</> : "the published plan"}.
            </p>
            <button type="submit" className="btn btn-primary btn-block" disabled={!name.trim() || published.data === null}>Create scenario</button>
            {published.data === null && <p className="muted small-note">Publish a plan first.</p>}
            {createError !== undefined && <ErrorState error={createError} />}
          </form>
          <div className="scn-list">
            {scenarios.data?.map((s) => (
              <Link key={s.id} to={`/schedule/scenarios?id=${s.id}`} className={`scn-item${s.id === selectedId ? " on" : ""}`}>
                <strong>{s.name}</strong>
                <small>{s.changes.length} change{s.changes.length === 1 ? "" : "s"} · {s.plan_id ? "solved" : "not solved"} · {fmtWhen(s.created_at)}</small>
              </Link>
            ))}
          </div>
        </aside>
        <div>
          {scenarios.error !== undefined && <ErrorState error={scenarios.error} onRetry={scenarios.reload} />}
          {!scenarios.data && scenarios.error === undefined && <Loading />}
          {scenarios.data && !selected && <Empty>Pick a scenario or create one.</Empty>}
          {selected && (
            <ScenarioDetail key={selected.id} scenario={selected}
              onChanged={() => { scenarios.reload(); published.reload(); }} />
          )}
        </div>
      </div>
    </div>
  );
}

function describe(c: ScenarioChange, lineCode: (id: number) => string, productCode: (id: number) => string, operatorName: (id: number) => string): string {
  const span = c.kind === "rush_order" ? "" : `${fmtWhen(String(c.start))} – ${fmtWhen(String(c.end))}`;
  switch (c.kind) {
    case "line_down":
      return `${lineCode(Number(c.line_id))} down ${span}`;
    case "rush_order":
      return `${c.number ?? "New order"}: ${c.quantity} × ${productCode(Number(c.product_id))}, due ${fmtWhen(String(c.due_date))}, priority ${c.priority}`;
    case "absent_operator":
      return `${operatorName(Number(c.operator_id))} absent ${span}`;
    case "extra_shift": {
      const ids = (c.line_ids as number[] | undefined) ?? [];
      return `Extra shift ${span}${ids.length ? ` on ${ids.map(lineCode).join(", ")}` : " on all lines"}`;
    }
  }
}

function ScenarioDetail({ scenario, onChanged }: { scenario: Scenario; onChanged: () => void }) {
  const lines = useApi(listLines, []);
  const products = useApi(listProducts, []);
  const operators = useApi(listOperators, []);
  const lineCode = (id: number) => lines.data?.find((l) => l.id === id)?.code ?? `line ${id}`;
  const productCode = (id: number) => products.data?.find((p) => p.id === id)?.code ?? `product ${id}`;
  const operatorName = (id: number) => operators.data?.find((o) => o.id === id)?.name ?? `operator ${id}`;

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
    const iso = (v: string) => new Date(v).toISOString();
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
    if (done.status === "failed") setSolveError(new Error(done.error ?? "The solve failed."));
    else loadComparison();
    onChanged();
  }, [loadComparison, onChanged]);

  const needsWindow = kind !== "rush_order";

  return (
    <>
      <section className="panel">
        <h2 className="panel-title">{scenario.name}</h2>
        <p className="muted scn-meta">
          Baseline plan #{scenario.baseline_plan_id ?? "—"}
          {scenario.plan_id && <> · scenario plan <Link to={`/schedule?plan=${scenario.plan_id}`}>#{scenario.plan_id}</Link></>}
        </p>
        <h3 className="sub-title">Changes</h3>
        {scenario.changes.length === 0 && <p className="muted">No changes yet: the scenario is the published plan.</p>}
        <ul className="change-list">
          {scenario.changes.map((c) => (
            <li key={c.id} className="change-item" data-testid="change-item">
              <span><span className="change-kind">{KINDS.find((k) => k.value === c.kind)?.label ?? c.kind}</span>{describe(c, lineCode, productCode, operatorName)}</span>
              <button type="button" className="btn-link" onClick={() => remove(c.id)}>Remove</button>
            </li>
          ))}
        </ul>
        <form onSubmit={add} className="form-row change-form">
          <div className="field">
            <label htmlFor="chg-kind">Change</label>
            <select id="chg-kind" className="input" value={kind} onChange={(e) => setKind(e.target.value as ChangeKind)}>
              {KINDS.map((k) => <option key={k.value} value={k.value}>{k.label}</option>)}
            </select>
          </div>
          {kind === "line_down" && (
            <div className="field">
              <label htmlFor="chg-line">Line</label>
              <select id="chg-line" className="input" value={lineId || String(firstLine ?? "")} onChange={(e) => setLineId(e.target.value)}>
                {lines.data?.map((l) => <option key={l.id} value={l.id}>{l.code} · {l.name}</option>)}
              </select>
            </div>
          )}
          {kind === "absent_operator" && (
            <div className="field">
              <label htmlFor="chg-op">Operator</label>
              <select id="chg-op" className="input" value={operatorId || String(firstOperator ?? "")} onChange={(e) => setOperatorId(e.target.value)}>
                {operators.data?.map((o) => <option key={o.id} value={o.id}>{o.name} ({o.code})</option>)}
              </select>
            </div>
          )}
          {kind === "rush_order" && (
            <>
              <div className="field">
                <label htmlFor="chg-product">Product</label>
                <select id="chg-product" className="input" value={productId || String(firstProduct ?? "")} onChange={(e) => setProductId(e.target.value)}>
                  {products.data?.map((p) => <option key={p.id} value={p.id}>{p.code} · {p.name}</option>)}
                </select>
              </div>
              <div className="field narrow">
                <label htmlFor="chg-qty">Quantity</label>
                <input id="chg-qty" className="input" type="number" min={1} value={quantity} onChange={(e) => setQuantity(e.target.value)} required />
              </div>
              <div className="field">
                <label htmlFor="chg-due">Due</label>
                <input id="chg-due" className="input" type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} required />
              </div>
              <div className="field narrow">
                <label htmlFor="chg-prio">Priority</label>
                <select id="chg-prio" className="input" value={priority} onChange={(e) => setPriority(e.target.value)}>
                  {[1, 2, 3, 4, 5].map((p) => <option key={p} value={p}>{p}{p === 1 ? " (most urgent)" : ""}</option>)}
                </select>
              </div>
              <div className="field">
                <label htmlFor="chg-number">Order number</label>
                <input id="chg-number" className="input" value={number} onChange={(e) => setNumber(e.target.value)} placeholder="optional" />
              </div>
            </>
          )}
          {needsWindow && (
            <>
              <div className="field">
                <label htmlFor="chg-start">From</label>
                <input id="chg-start" className="input" type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />
              </div>
              <div className="field">
                <label htmlFor="chg-end">Until</label>
                <input id="chg-end" className="input" type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} required />
              </div>
            </>
          )}
          {kind === "extra_shift" && (
            <fieldset className="field line-checks-field">
              <legend className="field-label">Lines (none = all)</legend>
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
          <button type="submit" className="btn">Add change</button>
        </form>
        {changeError !== undefined && <ErrorState error={changeError} />}
        <div className="solve-row">
          <TimeLimitSelect id="scn-limit" value={limit} onChange={setLimit} />
          <button type="button" className="btn btn-primary" onClick={solve} disabled={run !== null && run.finished_at === null && !comparison}>
            Solve scenario
          </button>
        </div>
        {solveError !== undefined && <ErrorState error={solveError} />}
      </section>
      {run && <RunProgress key={run.id} run={run} title="Solving scenario" onDone={onDone} onClose={() => setRun(null)} />}
      {compareError !== undefined && <ErrorState error={compareError} onRetry={loadComparison} />}
      {comparison && (
        <ComparisonView cmp={comparison} actions={
          <PublishScenario key={comparison.scenario_plan_id} scenario={scenario} cmp={comparison} describe={(c) => describe(c, lineCode, productCode, operatorName)}
            onRebased={() => { onChanged(); loadComparison(); }} onPublished={onChanged} />
        } />
      )}
    </>
  );
}

/**
 * Adopt the scenario: its plan becomes the published plan. The server refuses (409) when
 * that is not safe any more and says why; an outdated baseline can be re-based here.
 */
function PublishScenario({ scenario, cmp, describe, onRebased, onPublished }: {
  scenario: Scenario;
  cmp: Comparison;
  describe: (c: ScenarioChange) => string;
  onRebased: () => void;
  onPublished: () => void;
}) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Adopted | null>(null);
  const [refused, setRefused] = useState<AdoptRefusal[] | null>(null);
  const [rebased, setRebased] = useState(false);
  const [error, setError] = useState<unknown>();
  const assumed = scenario.changes.filter((c) => c.kind !== "rush_order");

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
    } catch (e) {
      setError(e);
    }
  };
  const outdated = refused?.find((r) => r.code === "baseline_outdated");

  return (
    <div className="adopt">
      <div className="adopt-row">
        {scenario.adopted_plan_id && !done && (
          <span className="muted">Published as <Link to={`/schedule?plan=${scenario.adopted_plan_id}`}>plan #{scenario.adopted_plan_id}</Link></span>
        )}
        <button type="button" className="btn btn-primary" data-testid="publish-scenario" onClick={() => setConfirm(true)} disabled={busy || done !== null}>
          Publish this plan
        </button>
      </div>
      {done && (
        <div className="move-feedback fb-ok" role="status" data-testid="scenario-published">
          <span>
            Plan <Link to={`/schedule?plan=${done.plan.id}`}>#{done.plan.id}</Link> is published: the floor works from it now
            {done.superseded_plan_id ? <>; plan #{done.superseded_plan_id} is superseded</> : null}.
            {done.assumptions.length > 0 && <> It assumes: {done.assumptions.map((a) => a.text).join("; ")}.</>}
          </span>
        </div>
      )}
      {rebased && <p className="muted small-note">Re-based on the published plan: solve the scenario again, then publish.</p>}
      {refused && (
        <div className="move-feedback fb-refused" role="alert" data-testid="publish-refused">
          <strong>This scenario cannot be published now.</strong>
          <ul>{refused.map((r, i) => <li key={i}>{r.message}</li>)}</ul>
          {outdated && <button type="button" className="btn" onClick={rebase}>Re-base on plan #{outdated.published_plan_id}</button>}
        </div>
      )}
      {error !== undefined && <ErrorState error={error} />}
      {confirm && (
        <Confirm title={`Publish the plan of “${scenario.name}”?`} confirmLabel="Publish" busy={busy}
          onConfirm={publish} onCancel={() => setConfirm(false)}>
          <p>The floor and the operator terminals will work from this scenario's plan (#{cmp.scenario_plan_id}). The plan published now is superseded.</p>
          {assumed.length > 0 && (
            <>
              <p>It was planned assuming:</p>
              <ul>{assumed.map((c) => <li key={c.id}>{describe(c)}</li>)}</ul>
              <p className="muted">These are recorded with the published plan.</p>
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
  { key: "orders", label: "Orders", fmt: (v) => String(v), better: "none" },
  { key: "late_orders", label: "Late orders", fmt: (v) => String(v), better: "lower" },
  { key: "tardiness_s", label: "Total tardiness", fmt: fmtHours, better: "lower" },
  { key: "weighted_tardiness", label: "Weighted tardiness", fmt: (v) => fmtHours(v), better: "lower" },
  { key: "makespan_s", label: "Makespan", fmt: fmtHours, better: "lower" },
  { key: "changeovers", label: "Changeovers", fmt: (v) => String(v), better: "lower" },
  { key: "idle_s", label: "Idle time", fmt: fmtHours, better: "lower" },
  { key: "utilization", label: "Utilization", fmt: (v) => `${(v * 100).toFixed(1)}%`, better: "higher" },
];

function signed(v: number, fmt: (v: number) => string): string {
  if (v === 0) return "±0";
  return `${v > 0 ? "+" : "−"}${fmt(Math.abs(v))}`;
}

function ComparisonView({ cmp, actions }: { cmp: Comparison; actions?: ReactNode }) {
  const orders = [...cmp.orders].sort((a, b) => b.delta_tardiness_s - a.delta_tardiness_s || a.order_number.localeCompare(b.order_number));
  return (
    <section className="panel" data-testid="comparison">
      <h2 className="panel-title">Scenario vs baseline <span className="muted">plan #{cmp.scenario_plan_id} vs #{cmp.baseline_plan_id}</span></h2>
      {actions}
      <dl className="cmp-totals">
        {TOTALS.filter((t) => typeof cmp.scenario[t.key] === "number").map((t) => {
          const d = cmp.delta[t.key] ?? cmp.scenario[t.key] - cmp.baseline[t.key];
          const tone = d === 0 || t.better === "none" ? "same" : (d < 0) === (t.better === "lower") ? "better" : "worse";
          const fmtD = t.key === "utilization" ? (v: number) => `${(v * 100).toFixed(1)} pt` : t.fmt;
          return (
            <div key={t.key} className={`cmp-card ${tone}`} data-testid={`total-${t.key.replace(/_s$/, "").replace(/_/g, "-")}`}>
              <dt>{t.label}</dt>
              <dd className="cmp-vals" style={{ margin: 0 }}>
                <span className="base" title="Baseline">{t.fmt(cmp.baseline[t.key])} →</span>
                <span className="scn">{t.fmt(cmp.scenario[t.key])}</span>
                <span className={`delta ${tone}`}>{signed(d, fmtD)}</span>
              </dd>
            </div>
          );
        })}
      </dl>
      <div className="cmp-grid">
        <div>
          <h3 className="sub-title">Tardiness per order <span className="muted">(biggest change first)</span></h3>
          <div className="cmp-table-wrap">
            <table className="cmp-table">
              <thead>
                <tr><th>Order</th><th>Due</th><th className="num">Baseline</th><th className="num">Scenario</th><th className="num">Δ</th></tr>
              </thead>
              <tbody>
                {orders.map((o) => {
                  const tone = o.delta_tardiness_s === 0 ? "same" : o.delta_tardiness_s > 0 ? "worse" : "better";
                  return (
                    <tr key={o.order_number} data-testid="order-row">
                      <td><strong>{o.order_number}</strong>{o.only_in === "scenario" && <span className="chip new-chip">new</span>}{o.only_in === "baseline" && <span className="chip">removed</span>}</td>
                      <td>{fmtWhen(o.due_date)}</td>
                      <td className="num">{o.baseline_tardiness_s === null ? "—" : o.baseline_tardiness_s ? fmtHours(o.baseline_tardiness_s) : "on time"}</td>
                      <td className="num">{o.scenario_tardiness_s === null ? "—" : o.scenario_tardiness_s ? fmtHours(o.scenario_tardiness_s) : "on time"}</td>
                      <td className={`num delta ${tone}`}>{o.delta_tardiness_s === 0 ? "±0" : signed(o.delta_tardiness_s, fmtHours)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
        <div>
          <h3 className="sub-title">Line utilization</h3>
          <div className="util-legend"><span><i style={{ background: "#94a3b8" }} />Baseline</span><span><i style={{ background: "var(--primary)" }} />Scenario</span></div>
          {cmp.lines.map((l) => {
            const b = l.baseline?.utilization ?? 0;
            const s = l.scenario?.utilization ?? 0;
            return (
              <div key={l.line_id} className="util-row" data-testid="util-row">
                <span className="util-code">{l.line_code}</span>
                <span className="util-bars" role="img" aria-label={`${l.line_code}: baseline ${(b * 100).toFixed(0)}%, scenario ${(s * 100).toFixed(0)}%`}>
                  <span className="util-track"><span className="util-fill base" style={{ width: `${Math.min(100, b * 100)}%`, display: "block" }} /></span>
                  <span className="util-track"><span className="util-fill scn" style={{ width: `${Math.min(100, s * 100)}%`, display: "block" }} /></span>
                </span>
                <span className="util-val">{(b * 100).toFixed(0)}% → <strong>{(s * 100).toFixed(0)}%</strong></span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
