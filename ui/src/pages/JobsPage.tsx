import { useEffect, useState } from "react";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { siteTime, timeColumn } from "../exchange/tables";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtNumber, zoneLabel } from "../format";
import { deadJobs, jobStats, replayJob, type Job, type JobState } from "../jobs/api";
import { useApi } from "../useApi";
import { useDeniedReason } from "../session";
import { msg, t } from "../i18n";

const STATES: JobState[] = ["available", "running", "retryable", "dead", "succeeded"];
const STATE_LABEL: Record<JobState, string> = {
  available: msg("Waiting"),
  running: msg("Running"),
  retryable: msg("Waiting to retry"),
  dead: msg("Dead"),
  succeeded: msg("Done"),
};
const REFRESH_MS = 5000;

/** The last line of a traceback: the error itself. */
function errorLine(error: string | null): string {
  const lines = (error ?? "").trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

/** The dead letters as the page lists them, with the whole error of each. */
export function deadJobsTable(jobs: Job[]): ExportTable {
  return {
    title: t("Dead jobs"),
    columns: [t("Job"), t("Kind"), t("Attempts"), t("Attempts allowed"), timeColumn(t("Failed at")), t("Error"), t("Traceback")],
    rows: jobs.map((j) => [j.id, j.kind, j.attempt, j.max_attempts, siteTime(j.finished_at), errorLine(j.last_error), j.last_error ?? null]),
  };
}

/** The job queue: how many jobs wait, run, retry or died, and the dead letters to replay. */
export function JobsPage() {
  const data = useApi(() => Promise.all([jobStats(), deadJobs()]), []);
  const denied = useDeniedReason("jobs:admin");
  const [busy, setBusy] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>();
  const [replayed, setReplayed] = useState<number[]>([]);
  const { reload } = data;
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);
  const header = <PageHeader title={t("Background jobs")} subtitle={<>{t("Work the server does in the background: waiting, running, retried, and jobs that failed every attempt.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />;
  if (denied) return <>{header}<Empty>{denied}</Empty></>;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [stats, dead] = data.data;
  const depth = new Map(stats.states.map((s) => [s.state, s.count]));

  const replay = async (job: Job) => {
    setBusy(job.id);
    setActionError(undefined);
    try {
      await replayJob(job.id);
      setReplayed((ids) => [...ids, job.id]);
      data.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      {header}
      <section className="panel" data-testid="job-depth">
        <h2 className="panel-title">{t("Queue")}</h2>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>{STATES.map((s) => <th key={s} className="num">{t(STATE_LABEL[s])}</th>)}</tr>
            </thead>
            <tbody>
              <tr>{STATES.map((s) => <td key={s} className="num" data-testid={`depth-${s}`}>{fmtNumber(depth.get(s) ?? 0)}</td>)}</tr>
            </tbody>
          </table>
        </div>
        {stats.oldest_ready_at && <p className="muted">{t("The oldest waiting job is due since {when}.", { when: fmtDateTime(stats.oldest_ready_at) })}</p>}
      </section>

      <section className="panel" data-testid="dead-jobs">
        <h2 className="panel-title">{t("Dead jobs")}</h2>
        {dead.items.length > 0 && <ExportButton label={t("Dead jobs")} table={() => deadJobsTable(dead.items)} />}
        {actionError !== undefined && <ErrorState error={actionError} />}
        {replayed.length > 0 && <p className="muted" role="status">{t("Replayed jobs: {ids}.", { ids: replayed.join(", ") })}</p>}
        {dead.items.length === 0 ? <Empty>{t("No dead jobs: every job succeeded or is still being tried.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>{t("Job")}</th><th>{t("Kind")}</th><th className="num">{t("Attempts")}</th><th>{t("Failed at")}</th><th>{t("Error")}</th><th></th></tr>
              </thead>
              <tbody>
                {dead.items.map((job) => (
                  <tr key={job.id} data-testid={`dead-job-${job.id}`}>
                    <td className="mono">{job.id}</td>
                    <td className="mono">{job.kind}</td>
                    <td className="num">{job.attempt}/{job.max_attempts}</td>
                    <td>{fmtDateTime(job.finished_at)}</td>
                    <td>
                      <details>
                        <summary>{errorLine(job.last_error)}</summary>
                        <pre className="mono">{job.last_error}</pre>
                      </details>
                    </td>
                    <td>
                      <button type="button" className="btn btn-small" disabled={busy !== null}
                        onClick={() => replay(job)}>
                        {busy === job.id ? t("Replaying…") : t("Replay")}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
