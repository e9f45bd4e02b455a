import { useCallback, useMemo, useState } from "react";
import { listLines, listMachines, listReasonCodes, listSites } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading, StaleNotice } from "../components/States";
import { navigate } from "../router";
import { useApi, usePolling } from "../useApi";
import {
  getFigures, getPareto, getTrend, listUnassigned,
  type Convention, type Figures, type ParetoBy, type ParetoMeasure, type ScopeRef,
} from "../kpi/api";
import { ExplainPanel, type ExplainTarget, type Metric } from "../kpi/ExplainPanel";
import { CONVENTIONS, conventionLabel, num, span } from "../kpi/format";
import { FactorBlock, LineCard } from "../kpi/LineCard";
import { ParetoChart } from "../kpi/ParetoChart";
import { TimeBar } from "../kpi/TimeBar";
import { TrendChart, type Series } from "../kpi/TrendChart";
import { windowOf, windowsAt, type NamedWindow, type RangeKey } from "../kpi/windows";
import "../kpi/kpi.css";

const SERIES: Series[] = [
  { key: "oee", label: "OEE", color: "#1d4ed8" },
  { key: "availability", label: "Availability", color: "#0f9d6b", dash: "7 4" },
  { key: "effectiveness", label: "Effectiveness", color: "#d97706", dash: "2 4" },
  { key: "quality_ratio_time_weighted", label: "Quality", color: "#9333ea", dash: "10 3 2 3" },
];

const BY: { value: ParetoBy; label: string }[] = [
  { value: "reason", label: "Reason" },
  { value: "machine", label: "Machine" },
  { value: "line", label: "Line" },
  { value: "shift", label: "Shift" },
];

interface Overview {
  site: { today: Figures; week: Figures };
  lines: { today: Figures; week: Figures }[];
}

async function loadOverview(siteId: number, w: Record<RangeKey, NamedWindow>, c: Convention): Promise<Overview> {
  const site = { kind: "site", id: siteId } as const;
  const [today, week] = await Promise.all([getFigures(site, w.today, c), getFigures(site, w.week, c)]);
  const lines = await Promise.all(
    (today.lines ?? []).map(async (l) => {
      const line = { kind: "line", id: l.id } as const;
      const [t, wk] = await Promise.all([getFigures(line, w.today, c), getFigures(line, w.week, c)]);
      return { today: t, week: wk };
    }),
  );
  lines.sort((a, b) => a.today.scope.id - b.today.scope.id); // set-up order: the flow of material
  return { site: { today, week }, lines };
}

/** OEE and its factors per line and for the site, the trend, the downtime Pareto — all explainable. */
export function KpiPage({ query }: { query: URLSearchParams }) {
  const convention: Convention = query.get("convention") === "six_big_losses" ? "six_big_losses" : "iso22400";
  const range: RangeKey = query.get("range") === "week" ? "week" : "today";
  const scopeParam = query.get("scope") ?? "site";
  const by = (BY.find((b) => b.value === query.get("by"))?.value ?? "reason") as ParetoBy;
  const measure: ParetoMeasure = query.get("measure") === "count" ? "count" : "duration";
  const setParam = (key: string, value: string | null) => {
    const q = new URLSearchParams(query);
    if (value === null) q.delete(key);
    else q.set(key, value);
    const qs = q.toString();
    navigate(`/kpis${qs ? `?${qs}` : ""}`, { replace: true });
  };

  const sites = useApi(listSites, []);
  const lines = useApi(listLines, []);
  const machines = useApi(listMachines, []);
  const reasons = useApi(listReasonCodes, []);
  const [now, setNow] = useState(() => Date.now());
  const refresh = useCallback(() => setNow(Date.now()), []);
  usePolling(refresh, 60_000);

  const site = sites.data?.[0];
  const windows = useMemo(() => (site ? windowsAt(site.timezone, now) : null), [site, now]);
  const overview = useApi(
    () => (site && windows ? loadOverview(site.id, windows, convention) : Promise.resolve(null)),
    [site?.id, windows, convention],
  );
  const scope: ScopeRef | null = !site ? null
    : scopeParam.startsWith("line:") ? { kind: "line", id: Number(scopeParam.slice(5)) } : { kind: "site", id: site.id };
  const bucket = range === "today" ? "hour" : "day";
  const trend = useApi(
    () => (scope && windows ? getTrend(scope, windows[range], bucket, convention) : Promise.resolve(null)),
    [scope?.kind, scope?.id, windows, range, convention],
  );
  const pareto = useApi(
    () => (scope && windows ? getPareto(scope, windows[range], by, measure) : Promise.resolve(null)),
    [scope?.kind, scope?.id, windows, range, by, measure],
  );
  const unassigned = useApi(listUnassigned, [now]);

  const [target, setTarget] = useState<ExplainTarget | null>(null);
  const closeExplain = useCallback(() => setTarget(null), []);
  const explain = (s: ScopeRef, title: string, r: RangeKey, metric: Metric) =>
    windows && setTarget({ scope: s, title, window: windows[r], windowLabel: windows[r].label, metric });

  const lineName = (id: number) => lines.data?.find((l) => l.id === id)?.name ?? "";
  const machineCode = (id: number) => machines.data?.find((m) => m.id === id)?.code ?? `machine ${id}`;
  const reasonName = useMemo(() => new Map((reasons.data ?? []).map((r) => [r.code, r.name])), [reasons.data]);
  const paretoLabel = (key: string) => {
    if (key === "unassigned") return "Unassigned";
    if (by === "reason") return reasonName.get(key) ?? key;
    if (by === "shift") {
      const [shift, day] = key.split("@");
      return day ? `Shift ${shift} · ${day.slice(5)}` : key;
    }
    return key;
  };
  const scopeLabel = scope?.kind === "line" ? overview.data?.lines.find((l) => l.today.scope.id === scope.id)?.today.scope.code ?? "Line" : "Site";
  const conv = CONVENTIONS.find((c) => c.value === convention)!;

  const header = (
    <PageHeader
      title="KPIs"
      subtitle={windows ? <>{site?.name} · {windows.today.label} · {windows.week.label} · times in {site?.timezone}</> : "OEE, its factors and the downtime behind them"}
      actions={
        <div className="segmented" role="group" aria-label="Loss convention">
          {CONVENTIONS.map((c) => (
            <button key={c.value} type="button" aria-pressed={convention === c.value}
              className={convention === c.value ? "on" : undefined}
              onClick={() => setParam("convention", c.value === "iso22400" ? null : c.value)}>
              {c.label}
            </button>
          ))}
        </div>
      }
    />
  );

  if (sites.error) return <>{header}<ErrorState error={sites.error} onRetry={sites.reload} /></>;
  if (sites.data && !site) return <>{header}<Empty>No site is set up yet.</Empty></>;
  if (overview.error && !overview.data) return <>{header}<ErrorState error={overview.error} onRetry={overview.reload} /></>;
  if (!overview.data || !windows || !scope) return <>{header}<Loading label="Computing KPIs…" /></>;

  const { site: sf, lines: lf } = overview.data;
  const siteScope: ScopeRef = { kind: "site", id: sf.today.scope.id };
  const openStops = unassigned.data?.total ?? 0;

  return (
    <div className="kpi-page">
      {header}
      <p className="conv-note" data-testid="convention-note">
        <span className="conv-tag">{conv.label}</span> All figures on this page use the {conv.label} convention. {conv.note}
        {" "}Percentages of time-weighted sums; tap any figure to see how it was computed.
      </p>
      {overview.error !== undefined && <StaleNotice error={overview.error} onRetry={overview.reload} />}

      <section className="panel site-summary" aria-labelledby="site-h" data-testid="site-summary"
        data-from={windows.today.from} data-to={windows.today.to}>
        <header className="card-head">
          <h2 id="site-h">{sf.today.scope.name} <span className="muted">site</span></h2>
          <span className="conv-tag">{conventionLabel(convention)}</span>
        </header>
        <div className="site-grid">
          {(["today", "week"] as RangeKey[]).map((r) => (
            <FactorBlock key={r} figures={sf[r]} convention={convention} caption={r === "today" ? "Today" : "This week"}
              testPrefix={`site-${r}`}
              onExplain={(m) => explain(siteScope, `${sf.today.scope.name} — ${m === "oee" ? "OEE" : m}`, r, m)} />
          ))}
          <div className="site-facts">
            <div className="factor-caption">Today</div>
            <dl className="count-facts">
              <div><dt>Good</dt><dd>{num(sf.today.counts.GQ)}</dd></div>
              <div><dt>Scrap</dt><dd>{num(sf.today.counts.SQ)}</dd></div>
              <div><dt>Failures</dt><dd>{sf.today.events.failures}</dd></div>
              <div><dt>Minor stops</dt><dd>{sf.today.events.minor_stops}</dd></div>
            </dl>
            <Link to="/downtime" className={`queue-cta${openStops ? " has-open" : ""}`} data-testid="queue-link">
              <strong>{openStops}</strong> {openStops === 1 ? "stop needs" : "stops need"} a reason →
            </Link>
          </div>
        </div>
        <div className="site-timebar">
          <div className="factor-caption">Today's time: POT → PDOT / PBT → APT · ASUT · ADET · ADOT · no data</div>
          <button type="button" className="timebar-btn" aria-label="Explain today's time elements"
            onClick={() => explain(siteScope, `${sf.today.scope.name} — time elements`, "today", "availability")}>
            <TimeBar te={sf.today.time_elements_s} />
          </button>
          <p className="muted small">
            Planned busy {span(sf.today.time_elements_s.pbt)} · producing {span(sf.today.time_elements_s.apt)} · setup {span(sf.today.time_elements_s.asut)} ·
            delays {span(sf.today.time_elements_s.adet)} · failures {span(sf.today.time_elements_s.adot)} · no data {span(sf.today.time_elements_s.unknown)}
          </p>
        </div>
      </section>

      <h2 className="section-title">Lines</h2>
      {lf.length === 0 ? <Empty>No lines with machines in your areas.</Empty> : (
        <div className="line-grid">
          {lf.map((l) => (
            <LineCard key={l.today.scope.id} name={lineName(l.today.scope.id)} today={l.today} week={l.week}
              windows={windows} convention={convention}
              onExplain={(s, title, r, metric) => explain(s, title, r, metric)} />
          ))}
        </div>
      )}

      <div className="analysis-bar">
        <h2 className="section-title">Trend and downtime</h2>
        <div className="filter-chips" role="group" aria-label="Scope of trend and Pareto">
          <button type="button" className={`filter-chip${scope.kind === "site" ? " on" : ""}`} aria-pressed={scope.kind === "site"}
            onClick={() => setParam("scope", null)}>Site</button>
          {lf.map((l) => {
            const on = scope.kind === "line" && scope.id === l.today.scope.id;
            return (
              <button key={l.today.scope.id} type="button" className={`filter-chip${on ? " on" : ""}`} aria-pressed={on}
                onClick={() => setParam("scope", `line:${l.today.scope.id}`)}>{l.today.scope.code}</button>
            );
          })}
          <span className="chip-divider" />
          <div className="segmented" role="group" aria-label="Period">
            {(["today", "week"] as RangeKey[]).map((r) => (
              <button key={r} type="button" aria-pressed={range === r} className={range === r ? "on" : undefined}
                onClick={() => setParam("range", r === "today" ? null : r)}>
                {r === "today" ? "Today, hourly" : "This week, daily"}
              </button>
            ))}
          </div>
        </div>
      </div>

      <div className="analysis-grid">
        <section className="panel" aria-labelledby="trend-h">
          <header className="card-head">
            <h3 id="trend-h">OEE and factors <span className="muted">{scopeLabel} · {range === "today" ? "per hour" : "per day"}</span></h3>
            <span className="conv-tag">{conventionLabel(convention)}</span>
          </header>
          {trend.error ? <ErrorState error={trend.error} onRetry={trend.reload} />
            : !trend.data ? <Loading />
            : trend.data.buckets.length === 0 ? <Empty>No data in this window.</Empty>
            : <TrendChart title={`${scopeLabel}: OEE, availability, effectiveness and quality ${range === "today" ? "per hour today" : "per day this week"} (${conventionLabel(convention)})`}
                buckets={trend.data.buckets}
                series={SERIES.map((s) => (s.key === "effectiveness" && convention === "six_big_losses" ? { ...s, label: "Performance" } : s))}
                onSelect={(b) => setTarget({
                  scope, title: `${scopeLabel} — ${b.label.replace("T", " ")}`, metric: "oee",
                  window: windowOf(b.start, b.end, now), windowLabel: range === "today" ? "One hour" : "One day",
                })} />}
          <p className="muted small">Tap an {range === "today" ? "hour" : "day"} to explain it. Gaps: nothing planned.</p>
        </section>

        <section className="panel" aria-labelledby="pareto-h" data-testid="pareto">
          <header className="card-head">
            <h3 id="pareto-h">Downtime Pareto <span className="muted">{scopeLabel} · {windows[range].label}</span></h3>
            <span className="conv-tag" title="Stops are the same in both conventions">stops · any convention</span>
          </header>
          <div className="pareto-controls">
            <div className="segmented" role="group" aria-label="Group stops by">
              {BY.map((b) => (
                <button key={b.value} type="button" aria-pressed={by === b.value} className={by === b.value ? "on" : undefined}
                  onClick={() => setParam("by", b.value === "reason" ? null : b.value)}>{b.label}</button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label="Measure">
              {(["duration", "count"] as ParetoMeasure[]).map((m) => (
                <button key={m} type="button" aria-pressed={measure === m} className={measure === m ? "on" : undefined}
                  onClick={() => setParam("measure", m === "duration" ? null : m)}>{m === "duration" ? "Lost time" : "Count"}</button>
              ))}
            </div>
          </div>
          {pareto.error ? <ErrorState error={pareto.error} onRetry={pareto.reload} />
            : !pareto.data ? <Loading />
            : pareto.data.rows.length === 0 ? <Empty>No stops in this window.</Empty>
            : <>
                <ParetoChart title={`Downtime of ${scopeLabel} by ${by}, ${measure === "count" ? "number of stops" : "lost time"}`}
                  rows={pareto.data.rows} measure={measure} labelOf={paretoLabel} />
                <p className="muted small" data-testid="pareto-total">
                  {measure === "count" ? `${num(pareto.data.total_count)} stops` : `${span(pareto.data.total_duration_s)} lost`} in {pareto.data.rows.length} groups
                  {" "}(lost time = ADOT + minor stops inside planned busy time).
                </p>
              </>}
        </section>
      </div>

      {target && <ExplainPanel target={target} convention={convention} machineCode={machineCode} onClose={closeExplain} />}
    </div>
  );
}
