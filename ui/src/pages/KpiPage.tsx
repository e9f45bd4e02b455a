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
import { dateFormat, zoneLabel } from "../format";
import { msg, t } from "../i18n";

const SERIES: Series[] = [
  { key: "oee", label: msg("OEE"), color: "#1d4ed8" },
  { key: "availability", label: msg("Availability"), color: "#0f9d6b", dash: "7 4" },
  { key: "effectiveness", label: msg("Effectiveness"), color: "#d97706", dash: "2 4" },
  { key: "quality_ratio_time_weighted", label: msg("Quality"), color: "#9333ea", dash: "10 3 2 3" },
];

const BY: { value: ParetoBy; label: string }[] = [
  { value: "reason", label: msg("Reason") },
  { value: "machine", label: msg("Machine") },
  { value: "line", label: msg("Line") },
  { value: "shift", label: msg("Shift") },
];

/** A trend bucket's start in the site's zone ("Wed, 25 Nov, 14:00"), never the raw UTC label. */
function bucketTitle(start: string): string {
  return dateFormat({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(start));
}

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
      const [td, wk] = await Promise.all([getFigures(line, w.today, c), getFigures(line, w.week, c)]);
      return { today: td, week: wk };
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
  const machineCode = (id: number) => machines.data?.find((m) => m.id === id)?.code ?? t("machine {id}", { id: String(id) });
  const reasonName = useMemo(() => new Map((reasons.data ?? []).map((r) => [r.code, r.name])), [reasons.data]);
  const paretoLabel = (key: string) => {
    if (key === "unassigned") return t("Unassigned");
    if (by === "reason") return reasonName.get(key) ?? key;
    if (by === "shift") {
      const [shift, day] = key.split("@");
      return day ? `${t("Shift")} ${shift} · ${day.slice(5)}` : key;
    }
    return key;
  };
  const scopeLabel = scope?.kind === "line" ? overview.data?.lines.find((l) => l.today.scope.id === scope.id)?.today.scope.code ?? t("Line") : t("Site");
  const conv = CONVENTIONS.find((c) => c.value === convention)!;

  const header = (
    <PageHeader
      title={t("KPIs")}
      subtitle={windows ? <>{site?.name} · {windows.today.label} · {windows.week.label} · <span data-testid="time-zone">{zoneLabel(site?.timezone)}</span></> : t("OEE, its factors and the downtime behind them")}
      actions={
        <div className="segmented" role="group" aria-label={t("Loss convention")}>
          {CONVENTIONS.map((c) => (
            <button key={c.value} type="button" aria-pressed={convention === c.value}
              className={convention === c.value ? "on" : undefined}
              onClick={() => setParam("convention", c.value === "iso22400" ? null : c.value)}>
              {t(c.label)}
            </button>
          ))}
        </div>
      }
    />
  );

  if (sites.error) return <>{header}<ErrorState error={sites.error} onRetry={sites.reload} /></>;
  if (sites.data && !site) return <>{header}<Empty>{t("No site is set up yet.")}</Empty></>;
  if (overview.error && !overview.data) return <>{header}<ErrorState error={overview.error} onRetry={overview.reload} /></>;
  if (!overview.data || !windows || !scope) return <>{header}<Loading label={t("Computing KPIs…")} /></>;

  const { site: sf, lines: lf } = overview.data;
  const siteScope: ScopeRef = { kind: "site", id: sf.today.scope.id };
  const openStops = unassigned.data?.total ?? 0;

  return (
    <div className="kpi-page">
      {header}
      <p className="conv-note" data-testid="convention-note">
        <span className="conv-tag">{t(conv.label)}</span> {t("All figures on this page use the {convention} convention.", { convention: t(conv.label) })} {t(conv.note)}
        {" "}{t("Percentages of time-weighted sums; tap any figure to see how it was computed.")}
      </p>
      {overview.error !== undefined && <StaleNotice error={overview.error} onRetry={overview.reload} />}

      <section className="panel site-summary" aria-labelledby="site-h" data-testid="site-summary"
        data-from={windows.today.from} data-to={windows.today.to}>
        <header className="card-head">
          <h2 id="site-h">{sf.today.scope.name} <span className="muted">{t("site")}</span></h2>
          <span className="conv-tag">{conventionLabel(convention)}</span>
        </header>
        <div className="site-grid">
          {(["today", "week"] as RangeKey[]).map((r) => (
            <FactorBlock key={r} figures={sf[r]} convention={convention} caption={r === "today" ? t("Today") : t("This week")}
              testPrefix={`site-${r}`}
              onExplain={(m) => explain(siteScope, `${sf.today.scope.name} — ${m === "oee" ? "OEE" : m}`, r, m)} />
          ))}
          <div className="site-facts">
            <div className="factor-caption">{t("Today")}</div>
            <dl className="count-facts">
              <div><dt>{t("Good")}</dt><dd>{num(sf.today.counts.GQ)}</dd></div>
              <div><dt>{t("Scrap")}</dt><dd>{num(sf.today.counts.SQ)}</dd></div>
              <div><dt>{t("Failures")}</dt><dd>{sf.today.events.failures}</dd></div>
              <div><dt>{t("Minor stops")}</dt><dd>{sf.today.events.minor_stops}</dd></div>
            </dl>
            <Link to="/downtime" className={`queue-cta${openStops ? " has-open" : ""}`} data-testid="queue-link">
              <strong>{openStops}</strong> {t("stops need a reason →", { count: openStops })}
            </Link>
          </div>
        </div>
        <div className="site-timebar">
          <div className="factor-caption">{t("Today's time: POT → PDOT / PBT → APT · ASUT · ADET · ADOT · no data")}</div>
          <button type="button" className="timebar-btn" aria-label={t("Explain today's time elements")}
            onClick={() => explain(siteScope, `${sf.today.scope.name} — ${t("time elements")}`, "today", "availability")}>
            <TimeBar te={sf.today.time_elements_s} />
          </button>
          <p className="muted small">
            {t("Planned busy {pbt} · producing {apt} · setup {asut} · delays {adet} · failures {adot} · no data {unknown}", {
              pbt: span(sf.today.time_elements_s.pbt), apt: span(sf.today.time_elements_s.apt), asut: span(sf.today.time_elements_s.asut),
              adet: span(sf.today.time_elements_s.adet), adot: span(sf.today.time_elements_s.adot), unknown: span(sf.today.time_elements_s.unknown),
            })}
          </p>
        </div>
      </section>

      <h2 className="section-title">{t("Lines")}</h2>
      {lf.length === 0 ? <Empty>{t("No lines with machines in your areas.")}</Empty> : (
        <div className="line-grid">
          {lf.map((l) => (
            <LineCard key={l.today.scope.id} name={lineName(l.today.scope.id)} today={l.today} week={l.week}
              windows={windows} convention={convention}
              onExplain={(s, title, r, metric) => explain(s, title, r, metric)} />
          ))}
        </div>
      )}

      <div className="analysis-bar">
        <h2 className="section-title">{t("Trend and downtime")}</h2>
        <div className="filter-chips" role="group" aria-label={t("Scope of trend and Pareto")}>
          <button type="button" className={`filter-chip${scope.kind === "site" ? " on" : ""}`} aria-pressed={scope.kind === "site"}
            onClick={() => setParam("scope", null)}>{t("Site")}</button>
          {lf.map((l) => {
            const on = scope.kind === "line" && scope.id === l.today.scope.id;
            return (
              <button key={l.today.scope.id} type="button" className={`filter-chip${on ? " on" : ""}`} aria-pressed={on}
                onClick={() => setParam("scope", `line:${l.today.scope.id}`)}>{l.today.scope.code}</button>
            );
          })}
          <span className="chip-divider" />
          <div className="segmented" role="group" aria-label={t("Period")}>
            {(["today", "week"] as RangeKey[]).map((r) => (
              <button key={r} type="button" aria-pressed={range === r} className={range === r ? "on" : undefined}
                onClick={() => setParam("range", r === "today" ? null : r)}>
                {r === "today" ? t("Today, hourly") : t("This week, daily")}
              </button>
            ))}
          </div>
        </div>
      </div>

      <div className="analysis-grid">
        <section className="panel" aria-labelledby="trend-h">
          <header className="card-head">
            <h3 id="trend-h">{t("OEE and factors")} <span className="muted">{scopeLabel} · {range === "today" ? t("per hour") : t("per day")}</span></h3>
            <span className="conv-tag">{conventionLabel(convention)}</span>
          </header>
          {trend.error ? <ErrorState error={trend.error} onRetry={trend.reload} />
            : !trend.data ? <Loading />
            : trend.data.buckets.length === 0 ? <Empty>{t("No data in this window.")}</Empty>
            : <TrendChart title={range === "today"
                ? t("{scope}: OEE, availability, effectiveness and quality per hour today ({convention})", { scope: scopeLabel, convention: conventionLabel(convention) })
                : t("{scope}: OEE, availability, effectiveness and quality per day this week ({convention})", { scope: scopeLabel, convention: conventionLabel(convention) })}
                buckets={trend.data.buckets}
                series={SERIES.map((s) => (s.key === "effectiveness" && convention === "six_big_losses" ? { ...s, label: t("Performance") } : { ...s, label: t(s.label) }))}
                onSelect={(b) => setTarget({
                  scope, title: `${scopeLabel} — ${bucketTitle(b.start)}`, metric: "oee",
                  window: windowOf(b.start, b.end, now), windowLabel: range === "today" ? t("One hour") : t("One day"),
                })} />}
          <p className="muted small">{range === "today" ? t("Tap an hour to explain it. Gaps: nothing planned.") : t("Tap a day to explain it. Gaps: nothing planned.")}</p>
        </section>

        <section className="panel" aria-labelledby="pareto-h" data-testid="pareto">
          <header className="card-head">
            <h3 id="pareto-h">{t("Downtime Pareto")} <span className="muted">{scopeLabel} · {windows[range].label}</span></h3>
            <span className="conv-tag" title={t("Stops are the same in both conventions")}>{t("stops · any convention")}</span>
          </header>
          <div className="pareto-controls">
            <div className="segmented" role="group" aria-label={t("Group stops by")}>
              {BY.map((b) => (
                <button key={b.value} type="button" aria-pressed={by === b.value} className={by === b.value ? "on" : undefined}
                  onClick={() => setParam("by", b.value === "reason" ? null : b.value)}>{t(b.label)}</button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label={t("Measure")}>
              {(["duration", "count"] as ParetoMeasure[]).map((m) => (
                <button key={m} type="button" aria-pressed={measure === m} className={measure === m ? "on" : undefined}
                  onClick={() => setParam("measure", m === "duration" ? null : m)}>{m === "duration" ? t("Lost time") : t("Count")}</button>
              ))}
            </div>
          </div>
          {pareto.error ? <ErrorState error={pareto.error} onRetry={pareto.reload} />
            : !pareto.data ? <Loading />
            : pareto.data.rows.length === 0 ? <Empty>{t("No stops in this window.")}</Empty>
            : <>
                <ParetoChart title={measure === "count"
                  ? t("Downtime of {scope} by {by}, number of stops", { scope: scopeLabel, by: t(BY.find((b) => b.value === by)?.label ?? by) })
                  : t("Downtime of {scope} by {by}, lost time", { scope: scopeLabel, by: t(BY.find((b) => b.value === by)?.label ?? by) })}
                  rows={pareto.data.rows} measure={measure} labelOf={paretoLabel} />
                <p className="muted small" data-testid="pareto-total">
                  {measure === "count" ? t("{count} stops", { count: pareto.data.total_count }) : t("{span} lost", { span: span(pareto.data.total_duration_s) })}{" "}
                  {t("in {count} groups", { count: pareto.data.rows.length })}{" "}
                  {t("(lost time = ADOT + minor stops inside planned busy time).")}
                </p>
              </>}
        </section>
      </div>

      {target && <ExplainPanel target={target} convention={convention} machineCode={machineCode} onClose={closeExplain} />}
    </div>
  );
}
