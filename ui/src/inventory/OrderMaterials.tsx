import { Empty, ErrorState, Loading } from "../components/States";
import { fmtNumber } from "../format";
import { t } from "../i18n";
import { linkHandler } from "../router";
import { useApi } from "../useApi";
import { getOrderMaterials } from "./ledger";

/** The order page's "Material" section: required, consumed and still needed per BOM line. */
export function OrderMaterials({ orderId, refreshKey }: { orderId: number; refreshKey?: unknown }) {
  const data = useApi(() => getOrderMaterials(orderId), [orderId, refreshKey]);
  return (
    <section className="panel" data-testid="order-materials">
      <h2 className="panel-title">{t("Material")}</h2>
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : data.data.lines.length === 0 ? <Empty>{t("This product has no bill of materials.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>{t("Material")}</th><th className="num">{t("Required")}</th><th className="num">{t("Consumed")}</th><th className="num">{t("Still needed")}</th><th>{t("Booked by")}</th></tr>
            </thead>
            <tbody>
              {data.data.lines.map((l) => (
                <tr key={l.material.id} data-testid="order-material-row">
                  <td><a className="strong mono" href={`/materials/${l.material.id}`} onClick={linkHandler(`/materials/${l.material.id}`)}>{l.material.code}</a><div className="sub">{l.material.name}</div></td>
                  <td className="num">{fmtNumber(l.required)} {l.material.unit}</td>
                  <td className="num">{fmtNumber(l.consumed)} {l.material.unit}</td>
                  <td className="num">{fmtNumber(l.still_needed)} {l.material.unit}</td>
                  <td>{l.backflush ? t("backflush from counts") : t("manual issue")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.data && data.data.finished_received > 0 && (
        <p className="muted">{t("{count} good units received as finished goods.", { count: fmtNumber(data.data.finished_received) })}</p>
      )}
    </section>
  );
}
