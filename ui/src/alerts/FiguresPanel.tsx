import { useState } from "react";
import { ErrorState, Loading } from "../components/States";
import { fmtDateTime } from "../format";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { alertFigures, type Figures } from "./api";

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** ISA-18.2 figures of the alarm system over a window ending now, with the 10-minute
 * buckets as bars (a bar above the flood line is a flood). */
export function FiguresPanel() {
  const [hours, setHours] = useState(24);
  const [operators, setOperators] = useState(1);
  const data = useApi(() => alertFigures(hours, operators), [hours, operators]);
  return (
    <section className="panel" data-testid="alert-figures">
      <h2 className="panel-title">{t("Alarm system figures (ISA-18.2)")}</h2>
      <div className="md-fields">
        <label className="field"><span>{t("Hours")}</span>
          <input className="input" type="number" min={1} max={744} value={hours} onChange={(e) => setHours(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <label className="field"><span>{t("Operators")}</span>
          <input className="input" type="number" min={1} max={100} value={operators} onChange={(e) => setOperators(Math.max(1, Number(e.target.value) || 1))} />
        </label>
      </div>
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} />
        : !data.data ? <Loading />
        : <FiguresBody f={data.data} />}
    </section>
  );
}

function FiguresBody({ f }: { f: Figures }) {
  const max = Math.max(11, ...f.buckets.map((b) => b.count));
  const width = 600;
  const height = 80;
  const barW = width / Math.max(1, f.buckets.length);
  const floodY = height - (10 / max) * height;
  return (
    <>
      {f.in_flood_now && <p className="badge badge-late" data-testid="flood-banner">{t("Alarm flood now: root causes are listed first.")}</p>}
      <dl className="kv" data-testid="figures-list">
        <dt>{t("Alerts")}</dt><dd data-testid="fig-total">{f.total}</dd>
        <dt>{t("Alerts per operator per 10 minutes")}</dt><dd data-testid="fig-rate">{f.per_operator_per_10min.toFixed(2)}</dd>
        <dt>{t("Most in 10 minutes")}</dt><dd>{f.max_per_10min}</dd>
        <dt>{t("Share of time in flood (more than 10 in 10 minutes)")}</dt><dd data-testid="fig-flood">{pct(f.flood_share)}</dd>
        <dt>{t("Share of the 10 most frequent alerts")}</dt><dd data-testid="fig-top10">{pct(f.top10_share)}</dd>
        <dt>{t("Chattering alerts")}</dt><dd data-testid="fig-chattering">{f.chattering.length}</dd>
        <dt>{t("Stale alerts (open over 24 h)")}</dt><dd data-testid="fig-stale">{f.stale.length}</dd>
      </dl>
      <svg className="alert-figures-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t("Alerts per 10 minutes")} width="100%" height={height}>
        {f.buckets.map((b, i) => b.count > 0 && (
          <rect key={i} x={i * barW} width={Math.max(1, barW - 1)} y={height - (b.count / max) * height} height={(b.count / max) * height}
            fill={b.count > 10 ? "#c62828" : "#1565c0"}>
            <title>{`${fmtDateTime(b.start)}: ${b.count}`}</title>
          </rect>
        ))}
        <line x1={0} x2={width} y1={floodY} y2={floodY} stroke="#c62828" strokeDasharray="4 3" />
      </svg>
      {f.stale.length > 0 && (
        <ul data-testid="stale-list">{f.stale.map((s) => <li key={s.alert_id}>{s.message} · {fmtDateTime(s.fired_at)}</li>)}</ul>
      )}
    </>
  );
}
