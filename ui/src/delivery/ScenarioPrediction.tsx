import { fmtDateTime, fmtDecimal } from "../format";
import { t } from "../i18n";
import { fmtMoney, type PlanPrediction } from "./predictionApi";

interface Spec {
  key: string;
  label: string;
  value: (p: PlanPrediction) => number;
  fmt: (v: number) => string;
}

/** The scenario comparison's predicted figures: each plan at the rates the floor achieves,
 * with the trained scrap/rework model and the factory's cost rates. Lower is better. */
export function ScenarioPrediction({ predicted }: { predicted: { currency: string; baseline: PlanPrediction; scenario: PlanPrediction } }) {
  const money = (v: number) => fmtMoney(v, predicted.currency);
  const units = (v: number) => fmtDecimal(v, 1);
  const specs: Spec[] = [
    { key: "late", label: t("Predicted late orders"), value: (p) => p.late_orders, fmt: (v) => String(v) },
    { key: "scrap", label: t("Predicted scrap (units)"), value: (p) => p.scrap_units, fmt: units },
    { key: "rework", label: t("Predicted rework (units)"), value: (p) => p.rework_units, fmt: units },
    { key: "cost", label: t("Predicted cost"), value: (p) => p.cost.total, fmt: money },
    { key: "scrap-cost", label: t("of it on scrapped units"), value: (p) => p.cost.scrap, fmt: money },
  ];
  const b = predicted.baseline;
  const s = predicted.scenario;
  return (
    <>
      <h3 className="sub-title">{t("Predicted at the floor's rates")}</h3>
      <dl className="cmp-totals" data-testid="predicted">
        <div className="cmp-card same" data-testid="predicted-finish">
          <dt>{t("Predicted completion")}</dt>
          <dd className="cmp-vals" style={{ margin: 0 }}>
            <span className="base" title={t("Baseline")}>{b.finish ? fmtDateTime(b.finish) : "–"} →</span>
            <span className="scn">{s.finish ? fmtDateTime(s.finish) : "–"}</span>
          </dd>
        </div>
        {specs.map((spec) => {
          const d = spec.value(s) - spec.value(b);
          const tone = Math.abs(d) < 1e-9 ? "same" : d < 0 ? "better" : "worse";
          return (
            <div key={spec.key} className={`cmp-card ${tone}`} data-testid={`predicted-${spec.key}`}>
              <dt>{spec.label}</dt>
              <dd className="cmp-vals" style={{ margin: 0 }}>
                <span className="base" title={t("Baseline")}>{spec.fmt(spec.value(b))} →</span>
                <span className="scn">{spec.fmt(spec.value(s))}</span>
                <span className={`delta ${tone}`}>{tone === "same" ? "±0" : `${d > 0 ? "+" : "−"}${spec.fmt(Math.abs(d))}`}</span>
              </dd>
            </div>
          );
        })}
      </dl>
    </>
  );
}
