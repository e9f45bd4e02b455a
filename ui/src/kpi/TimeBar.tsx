import type { TimeElements } from "./api";
import { span } from "./format";
import { msg, t } from "../i18n";

export type ElementKey = "POT" | "PDOT" | "PBT" | "APT" | "ASUT" | "ADET" | "ADOT" | "unknown";

export const ELEMENTS: { key: ElementKey; field: keyof TimeElements; name: string; cls: string }[] = [
  { key: "POT", field: "pot", name: msg("Planned operation time"), cls: "el-pot" },
  { key: "PDOT", field: "pdot", name: msg("Planned down time (breaks, planned stops)"), cls: "el-pdot" },
  { key: "PBT", field: "pbt", name: msg("Planned busy time"), cls: "el-pbt" },
  { key: "APT", field: "apt", name: msg("Actual production time"), cls: "el-apt" },
  { key: "ASUT", field: "asut", name: msg("Actual setup time"), cls: "el-asut" },
  { key: "ADET", field: "adet", name: msg("Delay time (minor stops, waiting)"), cls: "el-adet" },
  { key: "ADOT", field: "adot", name: msg("Down time (failures)"), cls: "el-adot" },
  { key: "unknown", field: "unknown", name: msg("No data"), cls: "el-unknown" },
];

const W = 1000;
const ROW = 40;
const GAP = 8;

/**
 * POT split into PDOT and PBT, and PBT into APT / ASUT / ADET / ADOT / unknown: three
 * aligned stacked bars on one scale, so each loss is seen as a share of the time planned.
 */
export function TimeBar({ te, selected, onSelect }: {
  te: TimeElements;
  selected?: ElementKey | null;
  onSelect?: (key: ElementKey) => void;
}) {
  const total = te.pot || 1;
  const sx = (s: number) => (s / total) * W;
  const rows: { y: number; parts: { key: ElementKey; from: number; len: number }[] }[] = [
    { y: 0, parts: [{ key: "POT", from: 0, len: te.pot }] },
    { y: ROW + GAP, parts: [{ key: "PDOT", from: 0, len: te.pdot }, { key: "PBT", from: te.pdot, len: te.pbt }] },
    { y: 2 * (ROW + GAP), parts: [] },
  ];
  let at = te.pdot;
  for (const k of ["APT", "ASUT", "ADET", "ADOT", "unknown"] as ElementKey[]) {
    const len = te[ELEMENTS.find((e) => e.key === k)!.field];
    rows[2].parts.push({ key: k, from: at, len });
    at += len;
  }
  const H = 3 * ROW + 2 * GAP;
  const meta = (k: ElementKey) => ELEMENTS.find((e) => e.key === k)!;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="time-bar" role="img"
      aria-label={t("Time elements: {list}", { list: ELEMENTS.map((e) => `${e.key} ${span(te[e.field])}`).join(", ") })}
      data-testid="time-bar">
      {rows.map((row) =>
        row.parts.filter((p) => p.len > 0).map((p) => {
          const w = sx(p.len);
          const m = meta(p.key);
          const text = w > 150 ? `${p.key} ${span(p.len)}` : w > 56 ? p.key : "";
          return (
            <g key={p.key} className={`seg ${m.cls}${selected === p.key ? " is-selected" : ""}`}
              onClick={onSelect ? () => onSelect(p.key) : undefined}
              role={onSelect ? "button" : undefined}
              tabIndex={onSelect ? -1 : undefined}>
              <rect x={sx(p.from) + 1} y={row.y} width={Math.max(1, w - 2)} height={ROW} rx={4} />
              {text && <text x={sx(p.from) + 10} y={row.y + ROW / 2 + 5}>{text}</text>}
              <title>{`${p.key} — ${t(m.name)}: ${span(p.len)}`}</title>
            </g>
          );
        }),
      )}
    </svg>
  );
}
