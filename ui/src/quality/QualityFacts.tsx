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

/** A line's first pass yield and DPMO in one period, on its KPI card; a tap explains them. */
export function LineQualityFacts({ lineId, from, to, testPrefix, onExplain }: {
  lineId: number;
  from: string;
  to: string;
  testPrefix: string;
  onExplain: () => void;
}) {
  const figures = useApi(() => getFigures({ from, to, line_id: lineId }), [lineId, from, to]);
  const f = figures.data;
  if (!f || f.inspected === 0) return null;
  return (
    <div className="line-compare" data-testid={`${testPrefix}-quality`}>
      <button type="button" className="mini-fig" data-testid={`${testPrefix}-fpy`} onClick={onExplain}
        title={t("{good} of {units} units good at their first inspection", { good: fmtNumber(f.first_pass_good), units: fmtNumber(f.inspected) })}>
        {t("First pass yield")} <strong>{f.fpy == null ? "–" : fmtPercent(f.fpy)}</strong>
      </button>
      {f.dpmo != null && (
        <button type="button" className="mini-fig" data-testid={`${testPrefix}-dpmo`} onClick={onExplain}>
          {t("DPMO")} <strong>{fmtNumber(Math.round(f.dpmo))}</strong>
        </button>
      )}
    </div>
  );
}
