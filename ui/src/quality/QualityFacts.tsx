import { fmtNumber, fmtPercent } from "../format";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { getFigures } from "./api";

/** First pass yield and DPMO of the KPI page's period, beside its counts (docs/quality.md). */
export function QualityFacts({ from, to }: { from: string; to: string }) {
  const figures = useApi(() => getFigures({ from, to }), [from, to]);
  const f = figures.data;
  if (!f || f.inspected === 0) return null;
  return (
    <>
      <div data-testid="kpi-fpy"><dt>{t("First pass yield")}</dt><dd>{f.fpy == null ? "–" : fmtPercent(f.fpy)}</dd></div>
      {f.dpmo != null && <div data-testid="kpi-dpmo"><dt>{t("DPMO")}</dt><dd>{fmtNumber(Math.round(f.dpmo))}</dd></div>}
    </>
  );
}
