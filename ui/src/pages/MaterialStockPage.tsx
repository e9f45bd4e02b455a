import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTimeShort, fmtNumber, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { getMaterialStock, LOCATION_KIND_LABEL } from "../inventory/ledger";
import { Movements } from "../inventory/LedgerPanel";
import { UnitConversions } from "../inventory/UnitConversions";
import { linkHandler } from "../router";
import { useApi } from "../useApi";
import "../inventory/ledger.css";

const STATUS: Record<string, string> = { released: msg("Released"), in_progress: msg("In progress"), on_hold: msg("On hold") };

/** One material: where it is (location and lot), which orders reserve it, where it was
 * consumed, and its movements. */
export function MaterialStockPage({ id }: { id: number }) {
  const data = useApi(() => getMaterialStock(id), [id]);
  if (data.error) return <><PageHeader title={t("Material")} /><ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <><PageHeader title={t("Material")} /><Loading /></>;
  const { availability: a, places, reservations, consumed, units } = data.data;
  const unit = a.material.unit;
  return (
    <>
      <PageHeader title={`${a.material.code} — ${a.material.name}`}
        subtitle={<>{t("Stock in {unit}; quantities may be entered in {units}.", { unit, units: units.join(", ") })} <span>{zoneLabel()}</span></>} />
      <section className="panel" data-testid="material-availability">
        <div className="ledger-figures">
          <div><div className="sub">{t("On hand")}</div><div className="strong" data-testid="figure-on-hand">{fmtNumber(a.on_hand)} {unit}</div></div>
          <div><div className="sub">{t("Reserved")}</div><div className="strong" data-testid="figure-reserved">{fmtNumber(a.reserved)} {unit}</div></div>
          <div><div className="sub">{t("Available")}</div><div className={`strong${a.below_reorder || a.available < 0 ? " ledger-negative" : ""}`} data-testid="figure-available">{fmtNumber(a.available)} {unit}</div></div>
          <div><div className="sub">{t("Reorder level")}</div><div className="strong">{a.reorder_level === null ? "—" : `${fmtNumber(a.reorder_level)} ${unit}`}</div></div>
        </div>
        {a.below_reorder && <p className="ledger-negative" role="status">{t("Below its reorder level.")}</p>}
      </section>
      <section className="panel" data-testid="material-places">
        <h2 className="panel-title">{t("Stock by location and lot")}</h2>
        {places.length === 0 ? <Empty>{t("None on hand.")}</Empty> : (
          <div className="table-wrap"><table className="table">
            <thead><tr><th>{t("Location")}</th><th>{t("Lot")}</th><th className="num">{t("On hand")}</th></tr></thead>
            <tbody>
              {places.map((p) => (
                <tr key={`${p.location.id}-${p.lot}`} data-testid="place-row">
                  <td>{p.location.name}<div className="sub">{t(LOCATION_KIND_LABEL[p.location.kind] ?? p.location.kind)}</div></td>
                  <td className="mono">{p.lot || <span className="muted">—</span>}</td>
                  <td className={`num${p.qty < 0 ? " ledger-negative" : ""}`}>{fmtNumber(p.qty)} {unit}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
        )}
      </section>
      <section className="panel" data-testid="material-reservations">
        <h2 className="panel-title">{t("Reserved by orders")}</h2>
        {reservations.length === 0 ? <Empty>{t("No released order needs it.")}</Empty> : (
          <div className="table-wrap"><table className="table">
            <thead><tr><th>{t("Order")}</th><th>{t("Status")}</th><th>{t("Due")}</th><th className="num">{t("Required")}</th><th className="num">{t("Consumed")}</th><th className="num">{t("Reserved")}</th></tr></thead>
            <tbody>
              {reservations.map((r) => (
                <tr key={r.order_id} data-testid="reservation-row">
                  <td><a className="strong mono" href={`/orders/${r.order_id}`} onClick={linkHandler(`/orders/${r.order_id}`)}>{r.order_number}</a></td>
                  <td>{STATUS[r.status] ? t(STATUS[r.status]) : r.status}</td>
                  <td>{fmtDateTimeShort(r.due_date)}</td>
                  <td className="num">{fmtNumber(r.required)} {unit}</td>
                  <td className="num">{fmtNumber(r.consumed)} {unit}</td>
                  <td className="num strong">{fmtNumber(r.reserved)} {unit}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
        )}
      </section>
      <section className="panel" data-testid="material-consumed">
        <h2 className="panel-title">{t("Consumed by orders")}</h2>
        {consumed.length === 0 ? <Empty>{t("Not consumed by any order yet.")}</Empty> : (
          <div className="table-wrap"><table className="table">
            <thead><tr><th>{t("Order")}</th><th className="num">{t("Consumed")}</th></tr></thead>
            <tbody>
              {consumed.map((c) => (
                <tr key={c.order_id} data-testid="consumed-row">
                  <td><a className="strong mono" href={`/orders/${c.order_id}`} onClick={linkHandler(`/orders/${c.order_id}`)}>{c.order_number}</a></td>
                  <td className="num">{fmtNumber(c.consumed)} {unit}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
        )}
      </section>
      <UnitConversions materialId={id} base={unit} onChanged={data.reload} />
      <Movements filter={{ material_id: id }} title={t("Movements")} onChanged={data.reload} />
    </>
  );
}
