// Alternate-machine suggestions and job swaps on the Idle page: work waiting in the
// published plan that a line standing idle now could start; a planner publishes the
// change with one tap.
import { useState } from "react";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtDecimal } from "../format";
import { t } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import { useApi, usePolling } from "../useApi";
import { acceptAlternate, getAlternates, type Alternate } from "./api";

export function AlternatesSection() {
  const alternates = useApi(getAlternates, []);
  usePolling(alternates.reload, 60_000);
  const canAccept = useCan("schedules:write");
  const denied = useDeniedReason("schedules:write");
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<unknown>();
  const accept = async (m: Alternate) => {
    if (alternates.data?.plan_id == null) return;
    setError(undefined);
    setDone(undefined);
    try {
      const out = await acceptAlternate(m, alternates.data.plan_id);
      setDone(t("{order} {operation} now starts on {line}: plan {plan} is published.", { order: m.order_number, operation: m.operation, line: m.to_line, plan: out.plan_id }));
    } catch (err) {
      setError(err);
    }
    alternates.reload();
  };
  const data = alternates.data;
  return (
    <section aria-label={t("Alternate machines")}>
      <h2>{t("Alternate machines")}</h2>
      <p className="muted">{t("Lines standing idle now, and work waiting elsewhere in the published plan that they could start now, checked against the schedule's rules. A line waiting for its own next job swaps it for the other one. Accepting publishes the plan with the change.")}</p>
      {done && <p className="notice" role="status" data-testid="alternate-accepted">{done}</p>}
      {error !== undefined && <ErrorState error={error} />}
      {alternates.error !== undefined && !data ? <ErrorState error={alternates.error} onRetry={alternates.reload} />
        : !data ? <Loading />
        : data.moves.length === 0 ? <Empty>{data.plan_id == null ? t("No plan is published.") : t("No idle line could take waiting work now.")}</Empty> : (
          <div className="table-wrap">
            <table className="table" data-testid="alternate-table">
              <thead>
                <tr>
                  <th>{t("Order")}</th><th>{t("Operation")}</th><th>{t("From")}</th><th>{t("To")}</th>
                  <th>{t("Planned start")}</th><th>{t("New end")}</th>
                  <th className="num">{t("Ends sooner (min)")}</th><th className="num">{t("Saves (min)")}</th><th></th>
                </tr>
              </thead>
              <tbody>
                {data.moves.map((m) => (
                  <tr key={m.operation_id} data-order={m.order_number}>
                    <td className="mono">{m.order_number}</td>
                    <td>
                      {m.operation}
                      {m.swap && <div className="muted" data-testid="swap-part">{t("Swap: {order} {operation} takes its place on {line} at {time}", { order: m.swap.order_number, operation: m.swap.operation, line: m.swap.to_line, time: fmtDateTime(m.swap.start) })}</div>}
                    </td>
                    <td>{m.from_line}</td><td>{m.to_line}</td>
                    <td>{fmtDateTime(m.planned_start)}</td><td>{fmtDateTime(m.end)}</td>
                    <td className="num">{fmtDecimal(m.earlier_min)}</td><td className="num">{fmtDecimal(m.gain_min)}</td>
                    <td>
                      <button type="button" className="btn btn-small btn-primary" onClick={() => void accept(m)}
                        disabled={!canAccept || !data.accept_available} title={denied ?? undefined}>{t("Accept")}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
