import { useState } from "react";
import { listProducts } from "../api";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTimeShort, fmtNumber } from "../format";
import { t } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import {
  KIND_LABEL, LOCATION_KIND_LABEL, listLocations, listMaterials, listMovements, listStockRows, reverseMovement,
  type Movement, type MovementFilter, type StockRow,
} from "./ledger";
import { StockForms, type ReceiptTarget } from "./StockForms";
import "./ledger.css";
import { Link } from "../components/Link";
import { genealogyHref } from "../genealogy/api";

const rowKey = (s: StockRow) => `${s.item.kind}:${s.item.id}:${s.location.id}:${s.lot}`;

/** Stock by item, location and lot with its movements, and the store's forms. */
export function LedgerPanel({ receipt, onBooked }: { receipt?: ReceiptTarget | null; onBooked?: () => void }) {
  const data = useApi(() => Promise.all([listStockRows(), listLocations(), listMaterials(), listProducts()]), []);
  const [selected, setSelected] = useState<StockRow | null>(null);
  const [tick, setTick] = useState(0);
  const booked = () => {
    data.reload();
    setTick((n) => n + 1);
    onBooked?.();
  };
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const [stock, locations, materials, products] = data.data;
  const filter: MovementFilter = selected
    ? { ...(selected.item.kind === "material" ? { material_id: selected.item.id } : { product_id: selected.item.id }), location_id: selected.location.id, lot: selected.lot }
    : {};
  return (
    <>
      <StockForms materials={materials} products={products} locations={locations} receipt={receipt} onBooked={booked} />
      <section className="panel" data-testid="stock-by-location">
        <h2 className="panel-title">{t("Stock by location and lot")}</h2>
        {stock.length === 0 ? <Empty>{t("Nothing booked into the ledger yet.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>{t("Item")}</th><th>{t("Location")}</th><th>{t("Lot")}</th><th className="num">{t("On hand")}</th></tr>
              </thead>
              <tbody>
                {stock.map((s) => (
                  <tr key={rowKey(s)} data-testid="stock-row" className={selected && rowKey(selected) === rowKey(s) ? "ledger-selected" : undefined}
                    onClick={() => setSelected(selected && rowKey(selected) === rowKey(s) ? null : s)} style={{ cursor: "pointer" }}>
                    <td><div className="strong mono">{s.item.code}</div><div className="sub">{s.item.name}</div></td>
                    <td>{s.location.name}<div className="sub">{t(LOCATION_KIND_LABEL[s.location.kind] ?? s.location.kind)}</div></td>
                    <td className="mono">{s.lot
                      ? <Link to={genealogyHref(s.lot, s.item)} onClick={(e) => e.stopPropagation()} title={t("Trace lot {lot}", { lot: s.lot })}>{s.lot}</Link>
                      : <span className="muted">—</span>}</td>
                    <td className={`num${s.qty < 0 ? " ledger-negative" : ""}`}>{fmtNumber(s.qty)} {s.item.unit}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Movements key={`${JSON.stringify(filter)}-${tick}`} filter={filter} title={selected ? t("Movements of {item} at {location}", { item: selected.item.code, location: selected.location.name }) : t("Latest movements")} onChanged={booked} />
    </>
  );
}

export function Movements({ filter, title, onChanged, testId = "movements" }: { filter: MovementFilter; title: string; onChanged: () => void; testId?: string }) {
  const moves = useApi(() => listMovements(filter), [JSON.stringify(filter)]);
  const mayReceive = useCan("inventory:receive");
  const mayWrite = useCan("inventory:write");
  const writeDenied = useDeniedReason("inventory:write");
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const undo = async (m: Movement) => {
    setBusy(m.id);
    setError(undefined);
    try {
      await reverseMovement(m.id, t("Undone from the ledger"));
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const undoButton = (m: Movement) => {
    if (m.kind === "reversal" || m.reversed_by_id !== null) return null;
    const may = m.kind === "receipt" ? mayReceive || mayWrite : mayWrite;
    if (!mayReceive && !mayWrite) return null;
    return (
      <button type="button" className="btn" disabled={!may || busy !== null} title={may ? undefined : writeDenied ?? undefined} onClick={() => undo(m)}>
        {busy === m.id ? t("Undoing…") : t("Undo")}
      </button>
    );
  };
  return (
    <section className="panel" data-testid={testId}>
      <h2 className="panel-title">{title}</h2>
      {error !== undefined && <ErrorState error={error} />}
      {moves.error ? <ErrorState error={moves.error} onRetry={moves.reload} /> : !moves.data ? <Loading /> : moves.data.length === 0 ? <Empty>{t("No movements.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>{t("When")}</th><th>{t("Movement")}</th><th>{t("Item")}</th><th className="num">{t("Quantity")}</th><th>{t("From")}</th><th>{t("To")}</th><th>{t("Lot")}</th><th>{t("Cause")}</th><th /></tr>
            </thead>
            <tbody>
              {moves.data.map((m) => (
                <tr key={m.id} data-testid="movement-row">
                  <td>{fmtDateTimeShort(m.at)}</td>
                  <td>{t(KIND_LABEL[m.kind])}{m.flagged && <div className="sub ledger-negative">{t("below zero")}</div>}{m.reversed_by_id !== null && <div className="sub">{t("undone")}</div>}</td>
                  <td className="mono">{m.item.code}</td>
                  <td className="num">{fmtNumber(m.qty)} {m.item.unit}</td>
                  <td>{m.from_location?.name ?? <span className="muted">—</span>}</td>
                  <td>{m.to_location?.name ?? <span className="muted">—</span>}</td>
                  <td className="mono">{m.lot || <span className="muted">—</span>}</td>
                  <td>
                    {m.maintenance_order_id
                      ? <span data-testid="movement-maintenance">{t("Maintenance order {id}, {who}", { id: m.maintenance_order_id, who: m.by.replace(/^user:/, "") })}</span>
                      : m.order_number ? t("Order {number}", { number: m.order_number }) : m.cause === "user" ? m.by.replace(/^user:/, "") : m.by}
                    {m.reason && <div className="sub">{m.reason}</div>}
                  </td>
                  <td className="num">{undoButton(m)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
