// How KPI figures are written: percentages with one decimal, never clamped.
import type { Convention, KpiName } from "./api";
import { dateFormat } from "../format";
import { locale, msg, t } from "../i18n";

const int = { format: (v: number) => new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(v) };
const one = { format: (v: number) => new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v) };

/** 0.2637 → "26.4%" ("26,4 %" in German); null (not defined, e.g. nothing planned) → "—". 1.042 stays "104.2%". */
export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return new Intl.NumberFormat(locale(), { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);
}

/** 0.9 → "90%" ("90 %" in German): a share said in words, without decimals. */
export function wholePct(v: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(v);
}

/** A difference of two ratios in percentage points: 0.023 → "+2.3 pts", −0.01 → "−1.0 pts". */
export function pointsDelta(diff: number): string {
  const v = one.format(Math.abs(diff) * 100);
  const sign = Math.abs(diff) < 0.0005 ? "±" : diff > 0 ? "+" : "−";
  return t("{delta} pts", { delta: `${sign}${v}` });
}

/** The two OEE figures have their own names everywhere (card, trend, explain). */
export const OEE_LINE = msg("OEE (line output)");
export const OEE_STATIONS = msg("OEE (stations combined)");

export function num(v: number): string {
  return int.format(v);
}

export function num1(v: number): string {
  return one.format(v);
}

/** Seconds as "5 h 07 min", "12 min 05 s" or "42 s". */
export function span(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** Seconds as exact numbers for the formulas ("20,205 s"). */
export function secs(seconds: number): string {
  return `${int.format(seconds)} s`;
}

export const CONVENTIONS: { value: Convention; label: string; note: string }[] = [
  {
    value: "iso22400",
    label: "ISO 22400",
    note: msg("Minor stops and waiting are down time (ADET): they lower availability."),
  },
  {
    value: "six_big_losses",
    label: msg("Six big losses"),
    note: msg("Minor stops and short idling are run time: they lower performance. OEE is the same."),
  },
];

export function conventionLabel(c: Convention): string {
  const label = CONVENTIONS.find((x) => x.value === c)?.label;
  return label ? t(label) : c;
}

export const KPI_LABELS: Record<KpiName, string> = {
  availability: msg("Availability"),
  effectiveness: msg("Effectiveness"),
  quality_ratio: msg("Quality ratio"),
  quality_ratio_time_weighted: msg("Quality (time weighted)"),
  oee: "OEE",
  nee: "NEE",
  technical_efficiency: msg("Technical efficiency"),
  setup_rate: msg("Setup rate"),
  allocation_efficiency: msg("Allocation efficiency"),
  throughput_rate_per_hour: msg("Throughput"),
  scrap_ratio: msg("Scrap ratio"),
  rework_ratio: msg("Rework ratio"),
  first_pass_yield: msg("First pass yield"),
  mtbf_s: "MTBF",
  mttr_s: "MTTR",
};

/** Six big losses call effectiveness "performance". */
export function kpiLabel(name: KpiName, convention: Convention): string {
  if (name === "effectiveness" && convention === "six_big_losses") return t("Performance");
  return t(KPI_LABELS[name]);
}

/** A KPI value as shown: ratios in %, MTBF/MTTR as durations, throughput per hour. */
export function kpiValue(name: KpiName, v: number | null): string {
  if (v === null) return "—";
  if (name === "mtbf_s" || name === "mttr_s") return span(v);
  if (name === "throughput_rate_per_hour") return `${num1(v)} /h`;
  return pct(v);
}

export const OVER_100_HINT = msg(
  "Above 100 %: the machine ran faster than its ideal cycle time (PRU) says — the ideal cycle time is probably too slow.",
);

/** Trend labels: "2026-11-25T06:00+01:00" → "06:00"; "2026-11-25" → "Wed 25". */
export function bucketLabel(label: string): string {
  const hour = /T(\d\d:\d\d)/.exec(label);
  if (hour) return hour[1];
  const day = /^(\d{4})-(\d\d)-(\d\d)$/.exec(label);
  if (day) {
    const d = new Date(Date.UTC(+day[1], +day[2] - 1, +day[3]));
    return `${dateFormat({ weekday: "short" }, "UTC").format(d)} ${+day[3]}`;
  }
  return label;
}
