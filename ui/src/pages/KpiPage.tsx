import { useCallback, useMemo, useState } from "react";
import { ExportButton } from "../components/ExportButton";
import { figuresTable, lineFiguresTable, paretoTable, trendTable, type LineFiguresRow } from "../exchange/tables";
import { listLines, listMachines, listReasonCodes, listSites } from "../api";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading, StaleNotice } from "../components/States";
import { navigate } from "../router";
import { useApi, usePolling } from "../useApi";
import {
  getFigures, getPareto, getShifts, getTrend, listUnassigned,
  type Convention, type Figures, type ParetoBy, type ParetoMeasure, type ScopeRef, type Shift, type Window,
} from "../kpi/api";
import { DataQualityFlag } from "../kpi/DataQualityFlag";
import { ExplainPanel, type ExplainTarget, type Metric } from "../kpi/ExplainPanel";
import { CONVENTIONS, conventionLabel, num, OEE_STATIONS, span } from "../kpi/format";
import { FactorBlock, LineCard, linesOf, type LineView, type Slot, type SlotInfo } from "../kpi/LineCard";
import { ParetoChart } from "../kpi/ParetoChart";
import { PeriodPicker } from "../kpi/PeriodPicker";
import { previousOf, resolvePeriod, type Period } from "../kpi/periods";
import { TimeBar } from "../kpi/TimeBar";
import { TrendChart, type Series } from "../kpi/TrendChart";
import { windowOf } from "../kpi/windows";
import "../kpi/kpi.css";
import { dateFormat, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { QualityFacts } from "../quality/QualityFacts";
import { useScopeLabel } from "../session";
import { knownSitesOr } from "../site";

const SERIES: Series[] = [
  { key: "oee", label: OEE_STATIONS, color: "#1d4ed8" },
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
  return dateFormat({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(new Date(start));
}

interface Overview {
  site: Record<Slot, Figures>;
  lines: { a: LineView; b: LineView | undefined }[];
}

/** Two site answers hold everything the cards show: each line's figures come with them. */
async function loadOverview(siteId: number, w: Record<Slot, Window>, c: Convention): Promise<Overview> {
  const site = { kind: "site", id: siteId } as const;
  const [a, b] = await Promise.all([getFigures(site, w.a, c), getFigures(site, w.b, c)]);
  const bLines = new Map(linesOf(b).map((l) => [l.id, l]));
  return { site: { a, b }, lines: linesOf(a).map((l) => ({ a: l, b: bLines.get(l.id) })) };
}

/** The caption of a period in a card ("Yesterday, Sat, Dec 5"). */
function slotInfo(p: Period): SlotInfo {
  return { caption: p.label, from: p.from, to: p.to };
}

/** OEE and its factors per line and for the site, the trend, the downtime Pareto — all explainable. */
export function KpiPage({ query }: { query: URLSearchParams }) {
  const convention: Convention = query.get("convention") === "six_big_losses" ? "six_big_losses" : "iso22400";
  const periodId = query.get("period") ?? "today";
  // Without a choice the page shows today beside this week; a chosen period is compared
  // with the one before it unless another is named.
  const vsId = query.get("vs") ?? (periodId === "today" ? "this-week" : "previous");
  const scopeParam = query.get("scope") ?? "site";
  const by = (BY.find((b) => b.value === query.get("by"))?.value ?? "reason") as ParetoBy;
  const measure: ParetoMeasure = query.get("measure") === "count" ? "count" : "duration";
  const setParams = (values: Record<string, string | null>) => {
    const q = new URLSearchParams(query);
    for (const [key, value] of Object.entries(values)) {
      if (value === null) q.delete(key);
      else q.set(key, value);
    }
    const qs = q.toString();
    navigate(`/kpis${qs ? `?${qs}` : ""}`, { replace: true });
  };
  const setParam = (key: string, value: string | null) => setParams({ [key]: value });
  const areasLabel = useScopeLabel();

  const sites = useApi(() => knownSitesOr(listSites), []);
  const lines = useApi(listLines, []);
  const machines = useApi(listMachines, []);
  const reasons = useApi(listReasonCodes, []);
  const [now, setNow] = useState(() => Date.now());
  const refresh = useCallback(() => setNow(Date.now()), []);
  usePolling(refresh, 60_000);

  const site = sites.data?.[0];
  const needsShifts = periodId.startsWith("shift:") || vsId.startsWith("shift:");
  const shifts = useApi(
    () => (site ? getShifts({ kind: "site", id: site.id }) : Promise.resolve(null)),
    [site?.id, now],
  );
  const shiftList: Shift[] | null = shifts.data?.shifts ?? (needsShifts && !shifts.error ? null : []);
  const periods = useMemo(() => {
    if (!site || shiftList === null) return null; // a shift is named: wait for the calendar's shifts
    const a = resolvePeriod(periodId, site.timezone, now, shiftList) ?? resolvePeriod("today", site.timezone, now, shiftList)!;
    const bId = vsId === "previous" ? previousOf(a, site.timezone, now, shiftList) ?? "yesterday" : vsId;
    const b = resolvePeriod(bId, site.timezone, now, shiftList) ?? resolvePeriod("this-week", site.timezone, now, shiftList)!;
    return { a, b };
  }, [site, periodId, vsId, now, shiftList]);
  const windows = useMemo(() => (periods ? { a: { from: periods.a.from, to: periods.a.to }, b: { from: periods.b.from, to: periods.b.to } } : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [periods?.a.from, periods?.a.to, periods?.b.from, periods?.b.to]);
  const overview = useApi(
    () => (site && windows ? loadOverview(site.id, windows, convention) : Promise.resolve(null)),
    [site?.id, windows, convention],
  );
  const scope: ScopeRef | null = !site ? null
    : scopeParam.startsWith("line:") ? { kind: "line", id: Number(scopeParam.slice(5)) } : { kind: "site", id: site.id };
  const short = periods?.a.short ?? true;
  const bucket = short ? "hour" : "day";
  const trend = useApi(
    () => (scope && windows ? getTrend(scope, windows.a, bucket, convention) : Promise.resolve(null)),
    [scope?.kind, scope?.id, windows, bucket, convention],
  );
  const pareto = useApi(
    () => (scope && windows ? getPareto(scope, windows.a, by, measure) : Promise.resolve(null)),
    [scope?.kind, scope?.id, windows, by, measure],
  );
  // The queue of stops without a reason is a side figure: asked for once the figures are
  // in, so that it does not compete with them for the server while the page loads.
  const figuresIn = overview.data !== undefined && overview.data !== null;
  const unassigned = useApi(() => (figuresIn ? listUnassigned() : Promise.resolve(null)), [now, figuresIn]);

  const [target, setTarget] = useState<ExplainTarget | null>(null);
  const closeExplain = useCallback(() => setTarget(null), []);
  const explain = (s: ScopeRef, title: string, slot: Slot, metric: Metric) =>
    periods && setTarget({ scope: s, title, window: periods[slot], windowLabel: periods[slot].label, metric });

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
  const scopeLabel = scope?.kind === "line" ? overview.data?.lines.find((l) => l.a.id === scope.id)?.a.code ?? t("Line") : t("Site");
  const conv = CONVENTIONS.find((c) => c.value === convention)!;
  // The KPI figures export: the site in both compared periods, and every line beside it.
  const figureBlocks = (o: Overview) => [
    { scope: o.site.a.scope.name, period: periods?.a.label ?? "", figures: o.site.a },
    { scope: o.site.b.scope.name, period: periods?.b.label ?? "", figures: o.site.b },
  ];
  const lineRows = (o: Overview): LineFiguresRow[] => o.lines.flatMap(({ a, b }) => [
    { code: a.code, period: periods?.a.label ?? "", from: a.window.start, to: a.window.computed_end, block: a.block },
    ...(b ? [{ code: b.code, period: periods?.b.label ?? "", from: b.window.start, to: b.window.computed_end, block: b.block }] : []),
  ]);

  const header = (
    <PageHeader
      title={t("KPIs")}
      subtitle={periods ? <>{site?.name} · <span data-testid="period-label">{periods.a.label}</span> · {t("compared with {period}", { period: periods.b.label })} · <span data-testid="time-zone">{zoneLabel(site?.timezone)}</span></> : t("OEE, its factors and the downtime behind them")}
      actions={<>
        {overview.data && <ExportButton label={t("KPI figures")} table={() => figuresTable(figureBlocks(overview.data!), t(conv.label))} />}
        {overview.data && overview.data.lines.length > 0 && <ExportButton label={t("Line figures")} table={() => lineFiguresTable(lineRows(overview.data!), t(conv.label))} />}
        <div className="segmented" role="group" aria-label={t("Loss convention")}>
          {CONVENTIONS.map((c) => (
            <button key={c.value} type="button" aria-pressed={convention === c.value}
              className={convention === c.value ? "on" : undefined}
              onClick={() => setParam("convention", c.value === "iso22400" ? null : c.value)}>
              {t(c.label)}
            </button>
          ))}
        </div>
      </>}
    />
  );

  if (sites.error) return <>{header}<ErrorState error={sites.error} onRetry={sites.reload} /></>;
  if (sites.data && !site) return <>{header}<Empty>{t("No site is set up yet.")}</Empty></>;
  if (overview.error && !overview.data) return <>{header}<ErrorState error={overview.error} onRetry={overview.reload} /></>;
  if (!overview.data || !periods || !scope || !site) return <>{header}<Loading label={t("Computing KPIs…")} /></>;

  const { site: sf, lines: lf } = overview.data;
  const siteScope: ScopeRef = { kind: "site", id: sf.a.scope.id };
  const openStops = unassigned.data?.total ?? 0;
  const slots = { a: slotInfo(periods.a), b: slotInfo(periods.b) };

  return (
    <div className="kpi-page">
      {header}
      <p className="conv-note" data-testid="convention-note">
        <span className="conv-tag">{t(conv.label)}</span> {t("All figures on this page use the {convention} convention.", { convention: t(conv.label) })} {t(conv.note)}
        {" "}{t("Percentages of time-weighted sums; tap any figure to see how it was computed.")}
      </p>
      {overview.error !== undefined && <StaleNotice error={overview.error} onRetry={overview.reload} />}
      <PeriodPicker period={periodId} vs={vsId} vsLabel={periods.b.label} shifts={shifts.data?.shifts ?? []} tz={site.timezone} now={now}
        onChange={(p, v) => setParams({ period: p === "today" ? null : p, vs: v === (p === "today" ? "this-week" : "previous") ? null : v })} />
      {areasLabel && (
        <p className="scope-note" data-testid="scope-label">
          {t("All figures on this page cover {areas}.", { areas: areasLabel })}
        </p>
      )}

      <section className="panel site-summary" aria-labelledby="site-h" data-testid="site-summary"
        data-from={periods.a.from} data-to={periods.a.to}>
        <header className="card-head">
          <h2 id="site-h">{sf.a.scope.name} <span className="muted">{areasLabel ?? t("site")}</span></h2>
          <span className="conv-tag">{conventionLabel(convention)}</span>
        </header>
        <div className="site-grid">
          {(["a", "b"] as Slot[]).map((slot) => (
            <FactorBlock key={slot} figures={sf[slot]} convention={convention} caption={slots[slot].caption}
              testPrefix={`site-${slot}`} against={slot === "a" ? sf.b : undefined} againstLabel={slots.b.caption}
              onExplain={(m) => explain(siteScope, `${sf.a.scope.name} — ${m === "oee" ? t(OEE_STATIONS) : m}`, slot, m)} />
          ))}
          <div className="site-facts">
            <div className="factor-caption">{slots.a.caption}</div>
            <dl className="count-facts">
              <div><dt>{t("Good")}</dt><dd>{num(sf.a.counts.GQ)}</dd></div>
              <div><dt>{t("Scrap")}</dt><dd>{num(sf.a.counts.SQ)}</dd></div>
              <div><dt>{t("Failures")}</dt><dd>{sf.a.events.failures}</dd></div>
              <div><dt>{t("Minor stops")}</dt><dd>{sf.a.events.minor_stops}</dd></div>
              <QualityFacts from={periods.a.from} to={periods.a.to} />
            </dl>
            <Link to="/downtime" className={`queue-cta${openStops ? " has-open" : ""}`} data-testid="queue-link">
              <strong>{openStops}</strong> {t("stops need a reason →", { count: openStops })}
            </Link>
          </div>
        </div>
        <div className="site-timebar">
          <div className="factor-caption">{t("Time, {period}: POT → PDOT / PBT → APT · ASUT · ADET · ADOT · no data", { period: slots.a.caption })}</div>
          <button type="button" className="timebar-btn" aria-label={t("Explain the time elements of {period}", { period: slots.a.caption })}
            onClick={() => explain(siteScope, `${sf.a.scope.name} — ${t("time elements")}`, "a", "availability")}>
            <TimeBar te={sf.a.time_elements_s} />
          </button>
          <p className="muted small">
            {t("Planned busy {pbt} · producing {apt} · setup {asut} · delays {adet} · failures {adot} · no data {unknown}", {
              pbt: span(sf.a.time_elements_s.pbt), apt: span(sf.a.time_elements_s.apt), asut: span(sf.a.time_elements_s.asut),
              adet: span(sf.a.time_elements_s.adet), adot: span(sf.a.time_elements_s.adot), unknown: span(sf.a.time_elements_s.unknown),
            })}
          </p>
          <DataQualityFlag dq={sf.a.data_quality} testId="site-no-data" />
        </div>
      </section>

      <h2 className="section-title">{t("Lines")}</h2>
      {lf.length === 0 ? <Empty>{t("No lines with machines in your areas.")}</Empty> : (
        <div className="line-grid">
          {lf.map((l) => (
            <LineCard key={l.a.id} name={lineName(l.a.id)} a={l.a} b={l.b}
              slots={slots} convention={convention} compare
              onExplain={(s, title, slot, metric) => explain(s, title, slot, metric)} />
          ))}
        </div>
      )}

      <div className="analysis-bar">
        <h2 className="section-title">{t("Trend and downtime")}</h2>
        <div className="filter-chips" role="group" aria-label={t("Scope of trend and Pareto")}>
          <button type="button" className={`filter-chip${scope.kind === "site" ? " on" : ""}`} aria-pressed={scope.kind === "site"}
            onClick={() => setParam("scope", null)}>{t("Site")}</button>
          {lf.map((l) => {
            const on = scope.kind === "line" && scope.id === l.a.id;
            return (
              <button key={l.a.id} type="button" className={`filter-chip${on ? " on" : ""}`} aria-pressed={on}
                onClick={() => setParam("scope", `line:${l.a.id}`)}>{l.a.code}</button>
            );
          })}
        </div>
      </div>

      <div className="analysis-grid">
        <section className="panel" aria-labelledby="trend-h">
          <header className="card-head">
            <h3 id="trend-h">{t("OEE (stations combined) and factors")} <span className="muted">{scopeLabel} · {periods.a.label} · {short ? t("per hour") : t("per day")}</span></h3>
            <span className="conv-tag">{conventionLabel(convention)}</span>
            {trend.data && trend.data.buckets.length > 0 && <ExportButton label={t("KPI trend")} table={() => trendTable(scope.kind === "site" ? sf.a.scope.name : scopeLabel, trend.data!.buckets, conventionLabel(convention))} />}
          </header>
          {trend.error ? <ErrorState error={trend.error} onRetry={trend.reload} />
            : !trend.data ? <Loading />
            : trend.data.buckets.length === 0 ? <Empty>{t("No data in this window.")}</Empty>
            : <TrendChart title={short
                ? t("{scope}: OEE (stations combined), availability, effectiveness and quality per hour, {period} ({convention})", { scope: scopeLabel, period: periods.a.label, convention: conventionLabel(convention) })
                : t("{scope}: OEE (stations combined), availability, effectiveness and quality per day, {period} ({convention})", { scope: scopeLabel, period: periods.a.label, convention: conventionLabel(convention) })}
                buckets={trend.data.buckets}
                series={SERIES.map((s) => (s.key === "effectiveness" && convention === "six_big_losses" ? { ...s, label: t("Performance") } : { ...s, label: t(s.label) }))}
                onSelect={(b) => setTarget({
                  scope, title: `${scopeLabel} — ${bucketTitle(b.start)}`, metric: "oee",
                  window: windowOf(b.start, b.end, now), windowLabel: short ? t("One hour") : t("One day"),
                })} />}
          <p className="muted small">{short ? t("Tap an hour to explain it. Gaps: nothing planned, or no machine data.") : t("Tap a day to explain it. Gaps: nothing planned, or no machine data.")}</p>
        </section>

        <section className="panel" aria-labelledby="pareto-h" data-testid="pareto">
          <header className="card-head">
            <h3 id="pareto-h">{t("Downtime Pareto")} <span className="muted">{scopeLabel} · {periods.a.label}</span></h3>
            <span className="conv-tag" title={t("Stops are the same in both conventions")}>{t("stops · any convention")}</span>
            {pareto.data && pareto.data.rows.length > 0 && <ExportButton label={t("Downtime Pareto")} table={() => paretoTable(scope.kind === "site" ? sf.a.scope.name : scopeLabel, t(BY.find((b) => b.value === by)?.label ?? by), pareto.data!, paretoLabel)} />}
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
