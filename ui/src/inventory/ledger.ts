// Types and calls of the material ledger (/stock, /stock-movements, /stock-locations).
import { get, getAll, post } from "../api";
import type { components } from "../api.gen";
import { msg } from "../i18n";

type Schemas = components["schemas"];

export type StockRow = Schemas["StockRowOut"];
export type Movement = Schemas["MovementOut"];
export type MovementKind = Schemas["MovementKind"];
export type StockLocation = Schemas["LocationOut"];
export type Material = Schemas["MaterialOut"];
export type OrderMaterials = Schemas["OrderMaterialsOut"];

export interface MovementFilter { material_id?: number; product_id?: number; location_id?: number; lot?: string; order_id?: number; flagged?: boolean }

export const listStockRows = () => get<StockRow[]>("/stock");
export const listMovements = (f: MovementFilter) => get<Movement[]>("/stock-movements", { ...f, limit: 100 });
export const listLocations = () => getAll<StockLocation>("/stock-locations", { sort: "code" });
export const listMaterials = () => getAll<Material>("/materials", { sort: "code" });
export const getOrderMaterials = (orderId: number) => get<OrderMaterials>(`/orders/${orderId}/materials`);

export const receiveStock = (body: Schemas["StockReceiveIn"]) => post<Movement>("/stock-movements/receipts", body);
export const transferStock = (body: Schemas["TransferIn"]) => post<Movement>("/stock-movements/transfers", body);
export const adjustStock = (body: Schemas["AdjustIn"]) => post<Movement>("/stock-movements/adjustments", body);
export const countStock = (body: Schemas["CountIn"]) => post<Movement>("/stock-movements/counts", body);
export const reverseMovement = (id: number, reason: string) => post<Movement>(`/stock-movements/${id}/reversal`, { reason });

/** A fresh id for a form, so that sending it twice books once. */
export const newClientRef = () => `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export const KIND_LABEL: Record<MovementKind, string> = {
  receipt: msg("Receipt"),
  issue: msg("Issue"),
  backflush: msg("Backflush"),
  production_receipt: msg("Production receipt"),
  scrap: msg("Scrap"),
  transfer: msg("Transfer"),
  adjustment: msg("Adjustment"),
  count: msg("Count"),
  reversal: msg("Reversal"),
  opening: msg("Opening balance"),
  shipment: msg("Shipment"),
};

export const LOCATION_KIND_LABEL: Record<string, string> = {
  store: msg("Store"),
  line_side: msg("Line side"),
  wip: msg("Work in progress"),
  finished_goods: msg("Finished goods"),
  quarantine: msg("Quarantine"),
};

// Reservations, availability, shortages and a material's page (domains/inventory/stock_api.py).
export type Availability = Schemas["AvailabilityOut"];
export type Reservation = Schemas["ReservationOut"];
export type Shortages = Schemas["ShortagesOut"];
export type MaterialStock = Schemas["MaterialStockOut"];

export const listAvailability = () => get<Availability[]>("/stock/availability");
export const getShortages = () => get<Shortages>("/stock/shortages");
export const getMaterialStock = (id: number) => get<MaterialStock>(`/materials/${id}/stock`);
