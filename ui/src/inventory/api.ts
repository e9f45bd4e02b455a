// Types and calls of the inventory routes (/stock-levels, /receipts).
import { getAll, post } from "../api";
import type { components } from "../api.gen";

// Response types are aliases of the schemas generated from the server (../api.gen.ts).
type Schemas = components["schemas"];

export type MaterialRef = Schemas["MaterialRef"];
export type StockLevel = Schemas["StockLevelOut"];
export type ReceiptStatus = Schemas["ReceiptStatus"];
export type Receipt = Schemas["ReceiptOut"];

export const listStock = () => getAll<StockLevel>("/stock-levels", { sort: "material" });
export const listReceipts = () => getAll<Receipt>("/receipts", { sort: "expected_at" });
/** Book a delivery in: the receipt becomes received and its quantity goes on hand. */
export const receiveReceipt = (r: Receipt) =>
  post<Schemas["ReceiveOut"]>(`/receipts/${r.id}/receive`, { version: r.version });
