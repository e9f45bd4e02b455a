// The anomaly detector's baselines trained from the factory's own history (the job
// maintenance.train): every version with its training window and its evaluation on the
// held-out history, or that there was not enough history. Times in the site's zone.
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal, fmtPercent, zoneLabel } from "../format";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { listModels, trainModels, type Model } from "./api";

export function Models({ canPlan, onStarted }: { canPlan: boolean; onStarted: (jobId: number) => void }) {
  const models = useApi(listModels, []);
  const train = async () => {
    const { job_id } = await trainModels();
    onStarted(job_id);
    models.reload();
  };
  const evaluation = (m: Model) => {
    const e = m.evaluation;
    if (m.status === "insufficient" || !e) {
      return t("Not enough history: {n} samples in the last 60 days, at least a day of one-a-minute samples is needed on each side.", { n: m.train_samples + m.holdout_samples });
    }
    const warned = e.down_stops === 0 ? t("no down stops held out")
      : t("{warned} of {stops} down stops warned ({share})", { warned: e.warned_stops, stops: e.down_stops, share: fmtPercent(e.warned_share ?? 0) });
    return `${warned} · ${t("{n} false warnings ({rate} a week)", { n: e.false_warnings, rate: fmtDecimal(e.false_per_week ?? 0, 1) })}`;
  };
  return (
    <div data-testid="maint-models">
      {canPlan && (
        <div className="maint-toolbar">
          <button type="button" className="btn" data-testid="train-models" onClick={() => void train().catch(() => models.reload())}>{t("Train baselines now")}</button>
          <button type="button" className="btn btn-small" onClick={models.reload}>{t("Refresh")}</button>
        </div>
      )}
      {models.error !== undefined && !models.data ? <ErrorState error={models.error} onRetry={models.reload} /> :
        !models.data ? <Loading /> : models.data.length === 0 ? <Empty>{t("No baseline trained yet: the detector learns each machine's first day live.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t("Machine")}</th>
                  <th className="num">{t("Version")}</th>
                  <th>{t("Trained ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Training window ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Held out until ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Evaluation on the held-out history")}</th>
                </tr>
              </thead>
              <tbody>
                {models.data.map((m) => (
                  <tr key={m.id} data-testid="model-row" data-status={m.status} data-active={m.active ? "yes" : "no"}>
                    <td>{m.machine_code}</td>
                    <td className="num">{m.version}{m.active ? ` · ${t("active")}` : ""}</td>
                    <td>{fmtDateTime(m.created_at)}</td>
                    <td>{m.train_start && m.train_end ? `${fmtDateTime(m.train_start)} – ${fmtDateTime(m.train_end)}` : "–"}</td>
                    <td>{m.holdout_end ? fmtDateTime(m.holdout_end) : "–"}</td>
                    <td>{evaluation(m)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </div>
  );
}
