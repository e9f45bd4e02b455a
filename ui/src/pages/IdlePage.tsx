import { useState } from "react";
import { listSites, type Query } from "../api";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading, StaleNotice } from "../components/States";
import { fmtDateTime, fmtDecimal, fmtPercent, zoneLabel } from "../format";
import { t } from "../i18n";
import { IdleChart } from "../idle/IdleChart";
import { AlternatesSection } from "../idle/AlternatesSection";
import { acceptSuggestion, getIdle, getRisks, getSuggestions, type Move } from "../idle/api";
import { CAUSES } from "../idle/causes";
import { CAUSE_LABEL } from "../allocation/LabourPanel";
import { PRESETS, siteDay } from "../kpi/periods";
import type { MachineState } from "../floor/model";
import { stateLabel } from "../floor/states";
import { siteZone } from "../site";
import { useCan, useDeniedReason, useScopeLabel } from "../session";
import { useApi, usePolling } from "../useApi";
import "../kpi/kpi.css";
import "../idle/idle.css";

/** The ISO week (YYYY-Www) of a site-local date. */
function isoWeek(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const dow = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - dow + 3); // the week's Thursday names its year
  const jan1 = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = 1 + Math.floor((date.getTime() - jan1) / (7 * 86_400_000));
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** The API's window parameters for a period preset, in the site's zone. */
function queryOf(period: string, tz: string, now: number): Query {
  switch (period) {
    case "shift:current": return { shift: "current" };
    case "shift:previous": return { shift: "previous" };
    case "yesterday": return { day: siteDay(tz, now, 1) };
    case "this-week": return { week: isoWeek(siteDay(tz, now)) };
    case "last-week": return { week: isoWeek(siteDay(tz, now, 7)) };
    default: return { day: siteDay(tz, now) };
  }
}

/** Idle time: where machines stood idle and why, which ones are about to, and who could help. */
export function IdlePage() {
  const [period, setPeriod] = useState("today");
  const tz = siteZone();
  const scope = useScopeLabel();
  const sites = useApi(listSites, []);
  const siteId = sites.data?.[0]?.id;
  const report = useApi(
    () => (siteId === undefined ? Promise.resolve(undefined) : getIdle(siteId, queryOf(period, tz, Date.now()))),
    [siteId, period, tz],
  );
  const risks = useApi(getRisks, []);
  const suggestions = useApi(getSuggestions, []);
  usePolling(risks.reload, 60_000);
  usePolling(suggestions.reload, 60_000);
  const canAccept = useCan("allocation:write");
  const denied = useDeniedReason("allocation:write");
  const [accepted, setAccepted] = useState<string>();
  const [acceptError, setAcceptError] = useState<unknown>();
  const accept = async (m: Move) => {
    if (suggestions.data?.board_version == null) return;
    setAcceptError(undefined);
    setAccepted(undefined);
    try {
      const out = await acceptSuggestion(m, suggestions.data.board_version);
      setAccepted(t("{operator} is now on {station} (board version {version}).", { operator: m.operator, station: out.line_code, version: out.version }));
    } catch (err) {
      setAcceptError(err);
    }
    suggestions.reload();
  };

  const header = (
    <PageHeader title={t("Idle time")}
      subtitle={<>{scope
        ? t("Idle minutes by cause in {scope}, the risk of idling soon and who could help.", { scope })
        : t("Idle minutes by cause, the risk of idling soon and who could help.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />
  );
  const error = report.error ?? sites.error;
  if (error && !report.data) return <>{header}<ErrorState error={error} onRetry={report.reload} /></>;
  const data = report.data;
  return (
    <div className="idle-page">
      {header}
      {report.error !== undefined && data && <StaleNotice error={report.error} onRetry={report.reload} />}
      <div className="idle-toolbar">
        <label className="field-inline">
          <span>{t("Period")}</span>
          <select value={period} onChange={(e) => setPeriod(e.target.value)} data-testid="idle-period">
            {PRESETS.map((p) => <option key={p.id} value={p.id}>{t(p.label)}</option>)}
          </select>
        </label>
        {data && (
          <span className="muted" data-testid="idle-window">
            {t("{start} to {end}", { start: fmtDateTime(data.window.start), end: fmtDateTime(data.window.end) })}
          </span>
        )}
      </div>
      <section aria-label={t("Idle minutes per machine by cause")}>
        <h2>{t("Idle minutes per machine by cause")}</h2>
        {!data ? <Loading label={t("Loading idle time…")} /> : data.machines.length === 0 ? <Empty>{t("No machines in this scope.")}</Empty> : (
          <>
            <p data-testid="idle-total">
              {t("{minutes} idle minutes in total", { minutes: fmtDecimal(data.idle_minutes) })}
              {" · "}
              {CAUSES.filter((c) => data.totals[c.key] > 0).map((c) => `${t(c.label)} ${fmtDecimal(data.totals[c.key])}`).join(" · ")}
            </p>
            <IdleChart machines={data.machines} />
            <div className="table-wrap">
              <table className="table" data-testid="idle-table">
                <thead>
                  <tr>
                    <th>{t("Machine")}</th><th>{t("Line")}</th>
                    <th className="num">{t("Idle (min)")}</th>
                    <th className="num">{t("Producing (min)")}</th>
                    <th className="num">{t("Utilization")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.machines.map((m) => (
                    <tr key={m.machine_id} data-machine={m.machine_code}>
                      <td className="mono">{m.machine_code}</td><td>{m.line_code}</td>
                      <td className="num">{fmtDecimal(m.idle_minutes)}</td>
                      <td className="num">{fmtDecimal(m.producing_minutes)}</td>
                      <td className="num">{m.utilization === null ? "–" : fmtPercent(m.utilization)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <section aria-label={t("Idle risk")}>
        <h2>{t("Idle risk")}</h2>
        <p className="muted">{t("The chance of an idle stretch of 5 minutes or more within 5, 15 and 30 minutes, refreshed every minute. Above {limit} at 15 minutes a machine is flagged.", { limit: fmtPercent(risks.data?.flag_above ?? 0.8) })}</p>
        {!risks.data ? <Loading /> : risks.data.items.length === 0 ? <Empty>{t("No risks computed yet.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="risk-table">
              <thead>
                <tr>
                  <th>{t("Machine")}</th><th>{t("Line")}</th><th>{t("State")}</th>
                  <th className="num">{t("5 min")}</th><th className="num">{t("15 min")}</th><th className="num">{t("30 min")}</th>
                  <th>{t("Computed")}</th>
                </tr>
              </thead>
              <tbody>
                {risks.data.items.map((r) => (
                  <tr key={r.machine_id} data-machine={r.machine_code} data-flagged={r.flagged ? "1" : "0"}>
                    <td className="mono">{r.machine_code}{r.flagged && <span className="risk-flag" title={t("High idle risk")}> ⚑ {t("flagged")}</span>}</td>
                    <td>{r.line_code}</td><td>{stateLabel(r.state as MachineState)}</td>
                    <td className="num">{fmtPercent(r.risk_5)}</td><td className="num">{fmtPercent(r.risk_15)}</td><td className="num">{fmtPercent(r.risk_30)}</td>
                    <td>{fmtDateTime(r.computed_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label={t("Operators' idle risk")}>
        <h3>{t("Operators' idle risk")}</h3>
        <p className="muted">{t("Operators who are clocked in: working (an operation of theirs runs at the terminal) or idle and why, with the same chances.")}</p>
        {!risks.data ? <Loading /> : risks.data.operators.length === 0 ? <Empty>{t("Nobody is clocked in.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="operator-risk-table">
              <thead>
                <tr>
                  <th>{t("Operator")}</th><th>{t("Station")}</th><th>{t("State")}</th>
                  <th className="num">{t("5 min")}</th><th className="num">{t("15 min")}</th><th className="num">{t("30 min")}</th>
                  <th>{t("Computed")}</th>
                </tr>
              </thead>
              <tbody>
                {risks.data.operators.map((r) => (
                  <tr key={r.operator_id} data-operator={r.operator_code} data-flagged={r.flagged ? "1" : "0"}>
                    <td>{r.operator_name} <span className="mono muted">{r.operator_code}</span>{r.flagged && <span className="risk-flag" title={t("High idle risk")}> ⚑ {t("flagged")}</span>}</td>
                    <td>{r.line_code ?? "–"}</td>
                    <td>{r.state === "working" ? t("Working") : t("Idle: {cause}", { cause: t(CAUSE_LABEL[r.cause ?? ""] ?? r.cause ?? "") })}</td>
                    <td className="num">{fmtPercent(r.risk_5)}</td><td className="num">{fmtPercent(r.risk_15)}</td><td className="num">{fmtPercent(r.risk_30)}</td>
                    <td>{fmtDateTime(r.computed_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label={t("Suggestions")}>
        <h2>{t("Suggestions")}</h2>
        <p className="muted">{t("Operator moves that would save the most idle minutes, from where the allocation board puts each operator this shift. Accepting one changes the board.")}</p>
        {accepted && <p className="notice" role="status" data-testid="accepted">{accepted}</p>}
        {acceptError !== undefined && <ErrorState error={acceptError} />}
        {!suggestions.data ? <Loading /> : suggestions.data.moves.length === 0 ? <Empty>{t("No move would save idle time now.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="suggestion-table">
              <thead><tr><th>{t("Operator")}</th><th>{t("From")}</th><th>{t("To")}</th><th className="num">{t("Saves (min)")}</th><th></th></tr></thead>
              <tbody>
                {suggestions.data.moves.map((m) => (
                  <tr key={m.operator} data-operator={m.operator}>
                    <td className="mono">{m.operator}</td><td>{m.from_station ?? "–"}</td><td>{m.to_station}</td>
                    <td className="num">{fmtDecimal(m.gain_min)}</td>
                    <td>
                      <button type="button" className="btn btn-small btn-primary" onClick={() => void accept(m)}
                        disabled={!canAccept || !suggestions.data?.accept_available}
                        title={denied ?? undefined}>{t("Accept")}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <AlternatesSection />
    </div>
  );
}
