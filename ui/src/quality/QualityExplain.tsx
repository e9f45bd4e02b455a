import { ErrorState, Loading } from "../components/States";
import { fmtNumber, fmtPercent } from "../format";
import { t } from "../i18n";
import type { ScopeRef, Window } from "../kpi/api";
import { useApi } from "../useApi";
import { getFigures, getPareto } from "./api";

const pct = (v: number | null | undefined) => (v == null ? "–" : fmtPercent(v));

/**
 * The inspection figures of a line (or the site) in the explain panel: first pass yield
 * and DPMO with the units and defects behind them, by step and by defect code
 * (docs/quality.md). With `hero`, the first pass yield is the figure being explained.
 */
export function QualityExplain({ scope, window, hero }: { scope: ScopeRef; window: Window; hero?: boolean }) {
  // the figures are of a line or of the site (a machine's results are its line's)
  const shown = scope.kind === "line" || scope.kind === "site";
  const lineId = scope.kind === "line" ? scope.id : undefined;
  const query = { from: window.from, to: window.to, line_id: lineId };
  const figures = useApi(() => (shown ? getFigures(query) : Promise.resolve(null)), [window.from, window.to, lineId, shown]);
  const pareto = useApi(() => (shown ? getPareto("code", query) : Promise.resolve(null)), [window.from, window.to, lineId, shown]);
  if (!shown) return null;
  const f = figures.data;
  return (
    <section data-testid="explain-quality">
      {!hero && <h3 className="sheet-h3">{t("First pass yield and DPMO, from the inspection results")}</h3>}
      {figures.error ? <ErrorState error={figures.error} onRetry={figures.reload} />
        : !f ? <Loading label={t("Explaining…")} />
        : f.inspected === 0 ? <p className="muted" data-testid="explain-quality-none">{t("No inspection results in this window.")}</p>
        : (
          <>
            {hero && (
              <div className="explain-hero">
                <div>
                  <div className="muted" data-testid="explain-name">{t("First pass yield")}</div>
                  <div className="hero-value" data-testid="explain-value">{pct(f.fpy)}</div>
                </div>
                <div className="hero-formula">
                  <code>{t("FPY = units good at their first inspection / units first inspected")}</code>
                  <code>= {fmtNumber(f.first_pass_good)} / {fmtNumber(f.inspected)}</code>
                  <code>= {pct(f.fpy)}</code>
                </div>
              </div>
            )}
            <dl className="count-facts" data-testid="explain-quality-counts">
              <div><dt>{t("Units first inspected")}</dt><dd>{fmtNumber(f.inspected)}</dd></div>
              <div><dt>{t("Good first time")}</dt><dd>{fmtNumber(f.first_pass_good)}</dd></div>
              <div><dt>{t("First pass yield")}</dt><dd data-testid="explain-quality-fpy">{pct(f.fpy)}</dd></div>
              <div><dt>{t("Rolled throughput yield")}</dt><dd>{pct(f.rty)}</dd></div>
              <div><dt>{t("Defects")}</dt><dd data-testid="explain-quality-defects">{fmtNumber(f.defects)}</dd></div>
              {f.dpmo != null && <div><dt>{t("DPMO")}</dt><dd data-testid="explain-quality-dpmo">{fmtNumber(Math.round(f.dpmo))}</dd></div>}
            </dl>
            {f.dpmo != null && f.opportunities != null && (
              <p className="hero-formula">
                <code>{t("DPMO = defects / (units × opportunities per unit) × 10⁶")}</code>
                <code>= {fmtNumber(f.dpmo_defects)} / {fmtNumber(f.opportunities)} × 10⁶ = {fmtNumber(Math.round(f.dpmo))}</code>
              </p>
            )}
            <div className="table-wrap">
              <table className="table table-compact" data-testid="explain-quality-steps">
                <thead><tr><th>{t("Step")}</th><th className="num">{t("Units first inspected")}</th><th className="num">{t("Good first time")}</th><th className="num">{t("First pass yield")}</th><th>{t("Counted from")}</th></tr></thead>
                <tbody>
                  {f.steps.map((s) => (
                    <tr key={s.step_seq}>
                      <th>{s.step_seq}</th>
                      <td className="num">{fmtNumber(s.inspected)}</td>
                      <td className="num">{fmtNumber(s.first_pass_good)}</td>
                      <td className="num">{pct(s.fpy)}</td>
                      <td>{s.basis === "serials" ? t("unit serials") : t("inspected and good counts")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {pareto.data && pareto.data.rows.length > 0 && (
              <div className="table-wrap">
                <table className="table table-compact" data-testid="explain-quality-defects-by-code">
                  <thead><tr><th>{t("Defect code")}</th><th className="num">{t("Defects")}</th><th className="num">{t("Share")}</th></tr></thead>
                  <tbody>
                    {pareto.data.rows.map((r) => (
                      <tr key={r.key}>
                        <th className="mono">{r.key === "unassigned" ? t("unassigned") : r.key}</th>
                        <td className="num">{fmtNumber(r.count)}</td>
                        <td className="num">{pct(r.share)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
    </section>
  );
}
