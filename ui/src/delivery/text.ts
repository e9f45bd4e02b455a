// Words for the delivery figures, shared by the deliveries page and the order page.
import { fmtDecimal } from "../format";
import { msg, t } from "../i18n";
import type { DeliveryDelay } from "./api";

const KINDS: Record<DeliveryDelay["kind"], string> = {
  late_start: msg("late start"),
  slow: msg("slower than planned"),
  stopped: msg("stopped"),
  behind: msg("pushed back by earlier stages"),
};

/** "stage 2 on DIP-1 is 45 min behind plan (stopped: feeder_jam)". */
export function delayText(d: DeliveryDelay): string {
  const base = t("stage {seq} on {line} is {minutes} min behind plan", {
    seq: d.seq, line: d.line_code ?? "–", minutes: fmtDecimal(d.behind_min, 0),
  });
  const why = d.cause ? `${t(KINDS[d.kind])}: ${d.cause}` : t(KINDS[d.kind]);
  return `${base} (${why})`;
}
