import { ApiError } from "../api";
import { fmtDateTimeIn, fmtDecimal } from "../format";
import { t } from "../i18n";
import { useApi } from "../useApi";
import { fmtMoney, getOrderPrediction } from "./predictionApi";

type Column = "model" | "plan" | "product_mean";
const COLUMNS: Column[] = ["model", "plan", "product_mean"];

/** The order page's predictions: completion, scrap, rework and cost by the trained model,
 * beside the plan itself and the product's historical mean. Open orders only. */
export function OrderPrediction({ orderId, zone, refreshKey }: { orderId: number; zone: string | null; refreshKey: unknown }) {
  const pred = useApi(() => getOrderPrediction(orderId).catch((e: unknown) => {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }), [orderId, refreshKey]);
  const d = pred.data;
  if (!d) return null;
  const money = (v: number) => fmtMoney(v, d.currency);
  const units = (v: number) => fmtDecimal(v, 1);
  const when = (v: string | null) => (v ? fmtDateTimeIn(v, zone) : "–");
  const rows: { key: string; label: string; cells: Record<Column, string> }[] = [
    { key: "completion", label: t("Completion"), cells: { model: when(d.completion.model), plan: when(d.completion.plan), product_mean: when(d.completion.product_mean) } },
    { key: "scrap", label: t("Scrap (units)"), cells: { model: units(d.scrap.model), plan: units(d.scrap.plan), product_mean: units(d.scrap.product_mean) } },
    { key: "rework", label: t("Rework (units)"), cells: { model: units(d.rework.model), plan: units(d.rework.plan), product_mean: units(d.rework.product_mean) } },
    { key: "cost", label: t("Cost"), cells: { model: money(d.cost.model.total), plan: money(d.cost.plan.total), product_mean: money(d.cost.product_mean.total) } },
    { key: "labour", label: t("of which labour"), cells: { model: money(d.cost.model.labour), plan: money(d.cost.plan.labour), product_mean: money(d.cost.product_mean.labour) } },
    { key: "machine", label: t("of which machine time"), cells: { model: money(d.cost.model.machine), plan: money(d.cost.plan.machine), product_mean: money(d.cost.product_mean.machine) } },
    { key: "material", label: t("of which material"), cells: { model: money(d.cost.model.material), plan: money(d.cost.plan.material), product_mean: money(d.cost.product_mean.material) } },
    { key: "scrapcost", label: t("spent on scrapped units"), cells: { model: money(d.cost.model.scrap), plan: money(d.cost.plan.scrap), product_mean: money(d.cost.product_mean.scrap) } },
  ];
  const head: Record<Column, string> = { model: t("Prediction"), plan: t("Plan"), product_mean: t("Product mean") };
  return (
    <section className="panel" data-testid="order-prediction">
      <h2 className="panel-title">{t("Predicted completion, scrap and cost")}</h2>
      <p className="muted small-note" data-testid="prediction-model">
        {d.model.version === null
          ? t("No trained model yet: learned now from {orders} finished orders.", { orders: d.model.orders })
          : t("Model version {version}, trained {when} on {orders} finished orders.", { version: d.model.version, when: when(d.model.trained_at), orders: d.model.orders })}
        {" "}{t("Counted so far: {scrap} scrapped, {rework} reworked.", { scrap: units(d.scrap.so_far ?? 0), rework: units(d.rework.so_far ?? 0) })}
        {!d.material_priced && <> {t("Some materials of this product have no cost yet.")}</>}
      </p>
      <table className="table">
        <thead><tr><th /><th className="num">{head.model}</th><th className="num">{head.plan}</th><th className="num">{head.product_mean}</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-testid={`prediction-${r.key}`}>
              <td>{r.label}</td>
              {COLUMNS.map((c) => <td key={c} className="num">{r.cells[c]}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
