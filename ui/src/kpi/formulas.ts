// Each KPI's formula with the answer's own numbers filled in, so it can be checked by hand.
import type { Convention, Counts, KpiName, TimeElements } from "./api";
import { num, num1, secs } from "./format";

export function filledIn(name: KpiName, te: TimeElements, c: Counts, convention: Convention, failures: number, hours: number): string {
  const six = convention === "six_big_losses";
  const rt = te.run_time_six_big_losses;
  switch (name) {
    case "availability":
      return six ? `${secs(rt)} / ${secs(te.pbt)}` : `${secs(te.apt)} / ${secs(te.pbt)}`;
    case "effectiveness":
      return `${secs(c.sum_PRU_x_PQ_s)} / ${secs(six ? rt : te.apt)}`;
    case "quality_ratio":
      return `${num(c.GQ)} / ${num(c.PQ)}`;
    case "quality_ratio_time_weighted":
      return `${secs(c.sum_PRU_x_GQ_s)} / ${secs(c.sum_PRU_x_PQ_s)}`;
    case "oee":
      return `${secs(c.sum_PRU_x_GQ_s)} / ${secs(te.pbt)}`;
    case "nee":
      return `(${secs(te.aupt)} / ${secs(te.pbt)}) × (${secs(c.sum_PRU_x_PQ_s)} / ${secs(te.apt)}) × (${num(c.GQ)} / ${num(c.PQ)})`;
    case "technical_efficiency":
      return `${secs(te.apt)} / (${secs(te.apt)} + ${secs(te.adet)})`;
    case "setup_rate":
      return `${secs(te.asut)} / ${secs(te.aupt)}`;
    case "allocation_efficiency":
      return `${secs(te.aubt)} / ${secs(te.pbt)}`;
    case "throughput_rate_per_hour":
      return `${num(c.PQ)} / ${num1(hours)} h`;
    case "scrap_ratio":
      return `${num(c.SQ)} / ${num(c.PQ)}`;
    case "rework_ratio":
      return `${num(c.RQ)} / ${num(c.PQ)}`;
    case "first_pass_yield":
      return `${num(c.GP)} / ${num(c.IP)}`;
    case "mtbf_s":
      return `(${secs(te.apt)} + ${secs(te.asut)} + ${secs(te.adet)}) / ${failures}`;
    case "mttr_s":
      return `${secs(te.adot)} / ${failures}`;
  }
}
