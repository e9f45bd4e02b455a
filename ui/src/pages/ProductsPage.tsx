import { useState } from "react";
import { getProduct, getRouting, listProducts, type Product } from "../api";
import { Chip } from "../components/Badges";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDuration } from "../format";
import { useApi } from "../useApi";
import { t } from "../i18n";

/** Products on the left; the selected product's routing on the right (/products/:id). */
export function ProductsPage({ selectedId }: { selectedId?: number }) {
  const products = useApi(listProducts, []);
  const [filter, setFilter] = useState("");
  const needle = filter.trim().toLowerCase();
  const shown = (products.data ?? []).filter(
    (p) => !needle || `${p.code} ${p.name} ${p.family}`.toLowerCase().includes(needle),
  );
  return (
    <>
      <PageHeader title={t("Products")} subtitle={t("What the factory makes and the routing each product follows.")} />
      <div className="split">
        <section className="panel split-list">
          <input type="search" className="input" placeholder={t("Filter products…")} aria-label={t("Filter products")}
            value={filter} onChange={(e) => setFilter(e.target.value)} />
          {products.error ? (
            <ErrorState error={products.error} onRetry={products.reload} />
          ) : !products.data ? (
            <Loading />
          ) : shown.length === 0 ? (
            <Empty>{needle ? t("No product matches.") : t("No products yet.")}</Empty>
          ) : (
            <ul className="list">
              {shown.map((p) => (
                <li key={p.id}>
                  <Link to={`/products/${p.id}`} className={`list-item${p.id === selectedId ? " active" : ""}`}>
                    <span className="strong">{p.code}</span>
                    <span className="sub">{p.name}{p.family && ` · ${p.family}`}</span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="panel split-detail">
          {selectedId ? <ProductRouting key={selectedId} id={selectedId} /> : (
            <Empty>{t("Select a product to see its routing.")}</Empty>
          )}
        </section>
      </div>
    </>
  );
}

function ProductRouting({ id }: { id: number }) {
  const data = useApi(() => Promise.all([getProduct(id), getRouting(id)]), [id]);
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading label={t("Loading routing…")} />;
  const [product, routing]: [Product, Awaited<ReturnType<typeof getRouting>>] = data.data;
  return (
    <>
      <h2 className="panel-title">{product.code} — {product.name}</h2>
      <p className="muted">
        {t("Family {family}", { family: product.family || "—" })} · {t("routing version {version}", { version: String(routing.version) })} · {t("{count} steps", { count: routing.steps.length })}
      </p>
      {routing.steps.length === 0 ? (
        <Empty>{t("This product has no routing yet.")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>{t("Step")}</th>
                <th>{t("Work center · setup")}</th>
                <th title={t("cycle time per unit on each line")}>{t("Eligible lines · cycle")}</th>
              </tr>
            </thead>
            <tbody>
              {routing.steps.map((s) => {
                const notes = [
                  s.skill && t("skill {skill}", { skill: s.skill }),
                  !s.splittable && t("not splittable"),
                  s.min_wait_s > 0 && t("wait ≥ {time}", { time: fmtDuration(s.min_wait_s) }),
                  s.max_wait_s !== null && t("wait ≤ {time}", { time: fmtDuration(s.max_wait_s) }),
                ].filter(Boolean);
                return (
                  <tr key={s.id}>
                    <td className="num">{s.seq}</td>
                    <td>
                      <div className="strong">{s.name}</div>
                      {notes.length > 0 && <div className="sub">{notes.join(" · ")}</div>}
                    </td>
                    <td>
                      <Chip>{s.work_center_type}</Chip>
                      <div className="sub">
                        {s.setup_time_s ? t("setup {time}", { time: fmtDuration(s.setup_time_s) }) : t("no setup")}
                        {s.setup_family && ` · ${t("family {family}", { family: s.setup_family })}`}
                      </div>
                    </td>
                    <td>
                      <div className="chips">
                        {s.eligible.map((e) => (
                          <Chip key={e.line_id}>{e.line_code} · {fmtDuration(e.cycle_time_s)}</Chip>
                        ))}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
