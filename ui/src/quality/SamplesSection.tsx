// The samples the inspection plans ask for at the running operations and that nobody has
// recorded yet; overdue ones (the line has gone past the unit to check) first and marked,
// so a supervisor sees where the floor skips its inspections. Polled every 10 s.
import { listLines } from "../api";
import { ErrorState, Loading } from "../components/States";
import { fmtNumber } from "../format";
import { t } from "../i18n";
import { samplingLabel } from "../terminal/SamplesDue";
import { useApi, usePolling } from "../useApi";
import { listSamplesDue } from "./api";

export function SamplesSection() {
  const samples = useApi(listSamplesDue, []);
  usePolling(samples.reload, 10_000);
  const lines = useApi(listLines, []);
  const lineName = (id: number | null) => (id == null ? "–" : lines.data?.find((l) => l.id === id)?.name ?? `#${id}`);
  const rows = [...(samples.data ?? [])].sort((a, b) => b.overdue - a.overdue || a.operation_id - b.operation_id);
  const overdue = rows.reduce((n, s) => n + s.overdue, 0);
  return (
    <section aria-label={t("Inspections due")}>
      <h2>{t("Inspections due")}</h2>
      {samples.error !== undefined && !samples.data ? <ErrorState error={samples.error} onRetry={samples.reload} />
        : !samples.data ? <Loading />
          : rows.length === 0 ? <p className="muted" data-testid="samples-none">{t("Every sample the plans ask for is recorded.")}</p> : (
            <>
              {overdue > 0 && <p className="ooc" role="alert" data-testid="samples-overdue">{t("{count} samples overdue", { count: overdue })}</p>}
              <div className="table-wrap">
                <table className="table" data-testid="samples-due">
                  <thead><tr>
                    <th>{t("Line")}</th><th>{t("Order")}</th><th>{t("Step")}</th><th>{t("Characteristic")}</th><th>{t("Sampling")}</th>
                    <th className="num">{t("Units reported")}</th><th>{t("Units to check")}</th><th className="num">{t("Due")}</th><th className="num">{t("Overdue")}</th>
                  </tr></thead>
                  <tbody>
                    {rows.map((s) => (
                      <tr key={`${s.operation_id}-${s.characteristic_id}`} className={s.overdue ? "quality-row-late" : ""}
                        data-testid="sample-row" data-overdue={s.overdue}>
                        <td>{lineName(s.line_id)}</td><td>{s.order_number}</td><td>{s.step_seq}</td>
                        <td>{s.characteristic} <span className="muted">({s.plan_name})</span></td>
                        <td>{samplingLabel(s.sampling)}</td>
                        <td className="num">{fmtNumber(s.units)}</td><td>{s.missing.join(", ")}</td>
                        <td className="num">{fmtNumber(s.pending)}</td><td className="num">{fmtNumber(s.overdue)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
    </section>
  );
}
