// Types and calls of the genealogy routes (/genealogy/lots, /genealogy/trace).
import { get } from "../api";
import type { components } from "../api.gen";

type Schemas = components["schemas"];

export type TraceLot = Schemas["TraceLotOut"];
export type TraceNode = Schemas["TraceNodeOut"];
export type Trace = Schemas["TraceOut"];
export type Direction = Trace["direction"];

export const findLots = (q: string) => get<TraceLot[]>("/genealogy/lots", { q });
export const traceLot = (lotId: number, direction: Direction) =>
  get<Trace>(`/genealogy/trace/${lotId}`, { direction });

/** The genealogy page for a lot code, optionally of one item (links from stock). */
export const genealogyHref = (lot: string, item?: { kind: string; id: number }) =>
  `/genealogy?q=${encodeURIComponent(lot)}${item ? `&${item.kind}=${item.id}` : ""}`;
