import { ApiError } from "../api";
import { fmtDateTimeIn, fmtPercent } from "../format";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { getDeliveryOrder, LATE_FLAG_P } from "./api";
import { delayText } from "./text";

/** The order page's delivery estimate: ETA with its 80 % interval, late risk, the delay
 * and each open stage's expected end. Nothing for orders that are no longer open. */
export function OrderDelivery({ orderId, zone, refreshKey }: { orderId: number; zone: string | null; refreshKey: unknown }) {
  const est = useApi(() => getDeliveryOrder(orderId).catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }), [orderId, refreshKey]);
  const d = est.data;
  if (!d) return null;
  return (
    <section className="panel" data-testid="delivery-estimate">
      <h2 className="panel-title">{t("Delivery estimate")}</h2>
      <dl className="facts">
        <dt>{t("ETA")}</dt>
        <dd data-testid="delivery-eta">{fmtDateTimeIn(d.eta, zone)}</dd>
        <dt>{t("80 % interval")}</dt>
        <dd>{t("{low} to {high}", { low: fmtDateTimeIn(d.eta_low, zone), high: fmtDateTimeIn(d.eta_high, zone) })}{!d.calibrated && <span className="muted"> · {t("not calibrated yet")}</span>}</dd>
        <dt>{t("Late risk")}</dt>
        <dd data-testid="delivery-risk" className={d.p_late >= LATE_FLAG_P ? "delivery-risk-high" : undefined}>{fmtPercent(d.p_late)}</dd>
        {d.delay && (<><dt>{t("Delay")}</dt><dd data-testid="delivery-delay">{delayText(d.delay)}</dd></>)}
      </dl>
      <table className="table">
        <thead><tr><th>{t("Stage")}</th><th>{t("Line")}</th><th>{t("Planned end")}</th><th>{t("Expected end")}</th></tr></thead>
        <tbody>
          {d.stages.filter((s) => !s.done).map((s) => (
            <tr key={s.seq}><td>{s.seq} · {s.name}</td><td>{s.line_code ?? "–"}</td>
              <td>{s.planned_end ? fmtDateTimeIn(s.planned_end, zone) : "–"}</td><td>{fmtDateTimeIn(s.eta, zone)}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
