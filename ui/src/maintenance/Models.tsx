// The anomaly detector's baselines trained from the factory's own history (the job
// maintenance.train): every version with its training window and its evaluation on the
// held-out history, or that there was not enough history. Times in the site's zone.
// A planner may go back to an older version or switch the baseline off (the detector
// then learns the machine afresh); activating the previous version undoes either.
import { useState } from "react";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal, fmtPercent, zoneLabel } from "../format";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { activateModel, deactivateModel, listModels, trainModels, type Model } from "./api";

export function Models({ canPlan, onStarted }: { canPlan: boolean; onStarted: (jobId: number) => void }) {
  const models = useApi(listModels, []);
  const [failed, setFailed] = useState<unknown>();
  const act = async (action: () => Promise<unknown>) => {
    setFailed(undefined);
    try {
      await action();
    } catch (err) {
      setFailed(err);
    }
    models.reload();
  };
  const switchOff = (m: Model) => {
    if (window.confirm(t("Switch the baseline of {machine} off? Its live detector forgets what it learned and learns the machine afresh for a day.", { machine: m.machine_code }))) {
      void act(() => deactivateModel(m.id));
    }
  };
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
  // Why a weekly version was stored but not made active (training.py): a planner's
  // choice, or the active version did better on this version's own held-out history.
  const notActivated = (m: Model) => {
    if (!m.note.includes("not activated")) return "";
    const a = m.evaluation?.active_version;
    if (a && m.note.includes("does better")) {
      return t("not activated: version {version} did better on the same history ({warned} of {stops} down stops warned, {n} false warnings)", { version: a.version, warned: a.warned_stops, stops: a.down_stops, n: a.false_warnings });
    }
    return t("not activated: a planner chose the active version");
  };
  const reasonLine = (m: Model) => {
    const reason = notActivated(m);
    return reason ? <div className="sub" data-testid="not-activated">{reason}</div> : null;
  };
  return (
    <div data-testid="maint-models">
      {canPlan && (
        <div className="maint-toolbar">
          <button type="button" className="btn" data-testid="train-models" onClick={() => void train().catch(() => models.reload())}>{t("Train baselines now")}</button>
          <button type="button" className="btn btn-small" onClick={models.reload}>{t("Refresh")}</button>
        </div>
      )}
      {failed !== undefined && <ErrorState error={failed} />}
      {models.error !== undefined && !models.data ? <ErrorState error={models.error} onRetry={models.reload} /> :
        !models.data ? <Loading /> : models.data.length === 0 ? <Empty>{t("No baseline trained yet: the detector learns each machine's first day live.")}</Empty> : (
          <div className="table-wrap">
            <table className="table maint-models-table">
              <thead>
                <tr>
                  <th>{t("Machine")}</th>
                  <th className="num">{t("Version")}</th>
                  <th>{t("Trained ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Training window ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Held out until ({zone})", { zone: zoneLabel() })}</th>
                  <th>{t("Evaluation on the held-out history")}</th>
                  {canPlan && <th><span className="sr-only">{t("Actions")}</span></th>}
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
                    <td>{evaluation(m)}{reasonLine(m)}</td>
                    {canPlan && (
                      <td>
                        {m.status === "trained" && !m.active && (
                          <button type="button" className="btn btn-small" data-testid="model-activate"
                            onClick={() => void act(() => activateModel(m.id))}>{t("Use this version")}</button>
                        )}
                        {m.active && (
                          <button type="button" className="btn btn-small" data-testid="model-deactivate"
                            onClick={() => switchOff(m)}>{t("Switch off")}</button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </div>
  );
}
