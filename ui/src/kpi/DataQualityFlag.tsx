import type { DataQuality } from "./api";
import { wholePct } from "./format";
import { t } from "../i18n";

/** Below this share of planned time without data the figures are shown without a flag. */
const FLAG_FROM = 0.01;

/**
 * "90 % of planned time had no machine data": said next to a figure whose planned time
 * was partly unmeasured, so a low OEE is not read as a bad shift when it is missing data.
 */
export function DataQualityFlag({ dq, testId, compact }: { dq: DataQuality | null | undefined; testId?: string; compact?: boolean }) {
  const share = dq?.no_data_share;
  if (share === null || share === undefined || share < FLAG_FROM) return null;
  const text = t("{share} of planned time had no machine data", { share: wholePct(share) });
  return (
    <p className={`dq-flag${share >= 0.25 ? " dq-bad" : ""}${compact ? " dq-compact" : ""}`} data-testid={testId}
      data-share={share} role="note" title={t("The figures count that time as planned but not running (unknown): they read lower than what was measured.")}>
      <span aria-hidden="true">⚠</span> {text}
    </p>
  );
}
