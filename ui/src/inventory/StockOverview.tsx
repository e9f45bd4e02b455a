import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTimeShort, fmtNumber, zoneLabel } from "../format";
import { t } from "../i18n";
import { linkHandler } from "../router";
import { useApi } from "../useApi";
import { getShortages, listAvailability, type Availability } from "./ledger";
import { Movements } from "./LedgerPanel";
import "./ledger.css";

const materialHref = (id: number) => `/materials/${id}`;

function MaterialCell({ code, name, id }: { code: string; name: string; id: number }) {
  return (
    <td>
      <a className="strong mono" href={materialHref(id)} onClick={linkHandler(materialHref(id))}>{code}</a>
      <div className="sub">{name}</div>
    </td>
  );
}

/** What is short: orders whose remaining need stock does not cover (earliest first),
 * materials below their reorder level, and movements that took stock below zero. */
export function ShortagesPanel({ refreshKey }: { refreshKey?: unknown }) {
  const data = useApi(getShortages, [refreshKey]);
  return (
    <>
      <section className="panel" data-testid="shortages">
        <h2 className="panel-title">{t("Shortages")} <span className="muted" data-testid="shortage-zone">{zoneLabel()}</span></h2>
        {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : data.data.orders.length === 0 ? <Empty>{t("Stock covers every released order.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>{t("Order")}</th><th>{t("Planned start")}</th><th>{t("Material")}</th><th className="num">{t("Still needed")}</th><th className="num">{t("Covered")}</th><th className="num">{t("Missing")}</th></tr>
              </thead>
              <tbody>
                {data.data.orders.map((s) => (
                  <tr key={`${s.order_id}-${s.material.id}`} data-testid="shortage-row">
                    <td><a className="strong mono" href={`/orders/${s.order_id}`} onClick={linkHandler(`/orders/${s.order_id}`)}>{s.order_number}</a></td>
                    <td>{s.planned_start ? fmtDateTimeShort(s.planned_start) : <span className="muted">{t("not planned; due {due}", { due: fmtDateTimeShort(s.due_date) })}</span>}</td>
                    <MaterialCell code={s.material.code} name={s.material.name} id={s.material.id} />
                    <td className="num">{fmtNumber(s.needed)} {s.material.unit}</td>
                    <td className="num">{fmtNumber(s.covered)} {s.material.unit}</td>
                    <td className="num ledger-negative">{fmtNumber(s.missing)} {s.material.unit}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.data && data.data.below_reorder.length > 0 && (
          <>
            <h3>{t("Below reorder level")}</h3>
            <AvailabilityTable rows={data.data.below_reorder} testId="below-reorder" />
          </>
        )}
      </section>
      <Movements key={String(refreshKey)} filter={{ flagged: true }} title={t("Movements that went below zero")} onChanged={data.reload} testId="flagged-movements" />
    </>
  );
}

function AvailabilityTable({ rows, testId }: { rows: Availability[]; testId: string }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr><th>{t("Material")}</th><th className="num">{t("On hand")}</th><th className="num">{t("Reserved")}</th><th className="num">{t("Available")}</th><th className="num">{t("Reorder level")}</th></tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.material.id} data-testid="availability-row">
              <MaterialCell code={a.material.code} name={a.material.name} id={a.material.id} />
              <td className="num">{fmtNumber(a.on_hand)} {a.material.unit}</td>
              <td className="num">{fmtNumber(a.reserved)} {a.material.unit}</td>
              <td className={`num${a.below_reorder || a.available < 0 ? " ledger-negative" : ""}`}>{fmtNumber(a.available)} {a.material.unit}</td>
              <td className="num">{a.reorder_level === null ? <span className="muted">—</span> : `${fmtNumber(a.reorder_level)} ${a.material.unit}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Per material: on hand, reserved by released orders, available and the reorder level. */
export function AvailabilityPanel({ refreshKey }: { refreshKey?: unknown }) {
  const data = useApi(listAvailability, [refreshKey]);
  return (
    <section className="panel" data-testid="availability">
      <h2 className="panel-title">{t("Available stock")}</h2>
      <p className="muted">{t("Available = on hand (every location but quarantine) − reserved by released, running and held orders.")}</p>
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : data.data.length === 0 ? <Empty>{t("No materials yet.")}</Empty> : (
        <AvailabilityTable rows={data.data} testId="availability-table" />
      )}
    </section>
  );
}
