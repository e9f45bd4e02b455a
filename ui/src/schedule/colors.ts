// Bar colours: one hue per product family (or per order), readable with white text.

const PALETTE = [
  "#2563eb", "#0d9488", "#7c3aed", "#c2410c", "#0e7490",
  "#4d7c0f", "#be185d", "#a16207", "#4338ca", "#047857",
  "#9333ea", "#b91c1c",
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export type ColorBy = "family" | "order";

/** A colour function for the plan: families get distinct colours in sorted order. */
export function colorScale(by: ColorBy, families: string[]): (key: string) => string {
  if (by === "order") return (order) => PALETTE[hash(order) % PALETTE.length];
  const index = new Map([...new Set(families)].sort().map((f, i) => [f, PALETTE[i % PALETTE.length]]));
  return (family) => index.get(family) ?? "#64748b";
}
