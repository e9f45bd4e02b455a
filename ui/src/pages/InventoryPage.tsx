import { useState } from "react";
import { ExportButton } from "../components/ExportButton";
import { deliveriesTable, stockTable } from "../exchange/tables";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTimeShort, fmtNumber, zoneLabel } from "../format";
import { listReceipts, listStock, receiveReceipt, type Receipt, type ReceiptStatus } from "../inventory/api";
import { useApi } from "../useApi";
import { LedgerPanel } from "../inventory/LedgerPanel";
import { AvailabilityPanel, ShortagesPanel } from "../inventory/StockOverview";
import { LocationsPanel } from "../inventory/LocationsPanel";
import type { ReceiptTarget } from "../inventory/StockForms";
import { msg, t } from "../i18n";
import { useDeniedReason } from "../session";

const FILTERS: (ReceiptStatus | "all")[] = ["open", "received", "cancelled", "all"];
const LABEL: Record<string, string> = { all: msg("All"), open: msg("Open"), received: msg("Received"), cancelled: msg("Cancelled") };
const BADGE: Record<ReceiptStatus, string> = { open: "status-released", received: "status-completed", cancelled: "status-cancelled" };

/** Stock on hand per material and the deliveries planning counts on. */
export function InventoryPage() {
  const data = useApi(() => Promise.all([listStock(), listReceipts()]), []);
  const [filter, setFilter] = useState<ReceiptStatus | "all">("open");
  const [busy, setBusy] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>();
  // Booking a delivery in is the floor's job too (supervisors), not an operator's.
  const receiveDenied = useDeniedReason("inventory:receive");
  const [targetId, setTargetId] = useState<number | null>(null);
  const [booked, setBooked] = useState(0);
  const header = <PageHeader title={t("Inventory")} subtitle={<>{t("Stock on hand and expected deliveries: planning starts an order once its material is there.")} <span data-testid="time-zone">{zoneLabel()}</span></>} />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [stock, receipts] = data.data;
  // Read from the latest list, so the form's "still open" follows each part booked.
  const targetReceipt = receipts.find((r) => r.id === targetId);
  const target: ReceiptTarget | null = targetReceipt
    ? { id: targetReceipt.id, material_id: targetReceipt.material_id, open: Math.max(0, targetReceipt.quantity - targetReceipt.received_quantity), reference: targetReceipt.reference }
    : null;
  const shown = receipts.filter((r) => filter === "all" || r.status === filter);
  const openOf = (materialId: number) =>
    receipts.filter((r) => r.status === "open" && r.material_id === materialId).reduce((sum, r) => sum + r.quantity - r.received_quantity, 0);

  const receive = async (r: Receipt) => {
    setBusy(r.id);
    setActionError(undefined);
    try {
      await receiveReceipt(r);
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
      <section className="panel" data-testid="stock">
        <h2 className="panel-title">{t("Stock on hand")} <ExportButton label={t("Stock on hand")} table={() => stockTable(stock, receipts)} /></h2>
        {stock.length === 0 ? <Empty>{t("No stock recorded. Materials without a stock level are not checked by planning.")}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>{t("Material")}</th><th className="num">{t("On hand")}</th><th className="num">{t("Open deliveries")}</th><th>{t("Unit")}</th><th>{t("Updated")}</th></tr>
              </thead>
              <tbody>
                {stock.map((s) => (
                  <tr key={s.id}>
                    <td><div className="strong mono">{s.material.code}</div><div className="sub">{s.material.name}</div></td>
                    <td className="num">{fmtNumber(s.quantity)}</td>
                    <td className="num">{openOf(s.material_id) ? fmtNumber(openOf(s.material_id)) : <span className="muted">—</span>}</td>
                    <td>{s.material.unit}</td>
                    <td>{fmtDateTimeShort(s.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <LedgerPanel receipt={target} onBooked={() => { data.reload(); setBooked((n) => n + 1); }} />
      <ShortagesPanel refreshKey={booked} />
      <AvailabilityPanel refreshKey={booked} />
      <LocationsPanel onChanged={() => setBooked((n) => n + 1)} />

      <section className="panel" data-testid="receipts">
        <h2 className="panel-title">{t("Deliveries")} <ExportButton label={t("Deliveries")} table={() => deliveriesTable(shown, (s) => t(LABEL[s]))} /></h2>
        <div className="filter-chips" role="group" aria-label={t("Filter by status")}>
          {FILTERS.map((f) => (
            <button key={f} type="button" className={`filter-chip${filter === f ? " on" : ""}`}
              aria-pressed={filter === f} onClick={() => setFilter(f)}>
              {t(LABEL[f])} <span className="count">{f === "all" ? receipts.length : receipts.filter((r) => r.status === f).length}</span>
            </button>
          ))}
        </div>
        {receiveDenied && <p className="muted" data-testid="receive-denied">{t("Receiving deliveries: {reason}", { reason: receiveDenied })}</p>}
        {actionError !== undefined && <ErrorState error={actionError} />}
        {shown.length === 0 ? <Empty>{filter === "all" ? t("No deliveries.") : t("No deliveries with status “{status}”.", { status: t(LABEL[filter]) })}</Empty> : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr><th>{t("Expected")}</th><th>{t("Material")}</th><th className="num">{t("Quantity")}</th><th>{t("Reference")}</th><th>{t("Status")}</th><th /></tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.id} data-testid="receipt-row">
                    <td>{fmtDateTimeShort(r.expected_at)}</td>
                    <td><div className="strong mono">{r.material.code}</div><div className="sub">{r.material.name}</div></td>
                    <td className="num">{fmtNumber(r.quantity)} {r.material.unit}{r.status === "open" && r.received_quantity > 0 && <div className="sub">{t("{qty} received", { qty: fmtNumber(r.received_quantity) })}</div>}</td>
                    <td>{r.reference || <span className="muted">—</span>}</td>
                    <td>
                      <span className={`badge ${BADGE[r.status]}`}>{t(LABEL[r.status])}</span>
                      {r.received_at && <div className="sub">{fmtDateTimeShort(r.received_at)}</div>}
                    </td>
                    <td className="num">
                      {r.status === "open" && !receiveDenied && (
                        <>
                          <button type="button" className="btn" disabled={busy !== null}
                            onClick={() => { setTargetId(r.id); window.scrollTo({ top: 0 }); }}>
                            {t("Part delivery…")}
                          </button>{" "}
                          <button type="button" className="btn" disabled={busy !== null} onClick={() => receive(r)}>
                            {busy === r.id ? t("Receiving…") : t("Receive")}
                          </button>
                        </>
                      )}
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
