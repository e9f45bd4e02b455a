// Types and calls of the inventory routes (/stock-levels, /receipts).
import { getAll, post } from "../api";

export interface MaterialRef {
  id: number;
  code: string;
  name: string;
  unit: string;
}

export interface StockLevel {
  id: number;
  material_id: number;
  material: MaterialRef;
  quantity: number;
  updated_at: string;
  version: number;
}

export type ReceiptStatus = "open" | "received" | "cancelled";

export interface Receipt {
  id: number;
  material_id: number;
  material: MaterialRef;
  quantity: number;
  expected_at: string;
  status: ReceiptStatus;
  reference: string;
  received_at: string | null;
  version: number;
}

export const listStock = () => getAll<StockLevel>("/stock-levels", { sort: "material" });
export const listReceipts = () => getAll<Receipt>("/receipts", { sort: "expected_at" });
/** Book a delivery in: the receipt becomes received and its quantity goes on hand. */
export const receiveReceipt = (r: Receipt) =>
  post<{ receipt: Receipt; stock: StockLevel }>(`/receipts/${r.id}/receive`, { version: r.version });
