import { useState } from "react";
import { getProduct, getRouting, listLines, listProducts, type Product } from "../api";
import { ExportButton } from "../components/ExportButton";
import { productsTable } from "../exchange/tables";
import { Chip } from "../components/Badges";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDecimal, fmtDuration } from "../format";
import { useApi } from "../useApi";
import { t } from "../i18n";
import { navigate } from "../router";
import { useCan } from "../session";
import { getBom, listMaterials, resource } from "../masterdata/api";
import { BomEditor } from "../masterdata/BomEditor";
import { DeleteButton } from "../masterdata/DeleteButton";
import { RecordForm, type FieldSpec } from "../masterdata/RecordForm";
import { RoutingEditor } from "../masterdata/RoutingEditor";
import { StepDocuments } from "../masterdata/StepDocuments";
import "../masterdata/masterdata.css";

const productApi = resource<Product>("/products");

function productFields(): FieldSpec[] {
  return [
    { name: "code", label: t("Code") },
    { name: "name", label: t("Name") },
    { name: "family", label: t("Family") },
  ];
}

/** Products on the left; the selected product's routing on the right (/products/:id). */
export function ProductsPage({ selectedId }: { selectedId?: number }) {
  const products = useApi(listProducts, []);
  const canWrite = useCan("masterdata:write");
  const [creating, setCreating] = useState(false);
  const [filter, setFilter] = useState("");
  const needle = filter.trim().toLowerCase();
  const shown = (products.data ?? []).filter(
    (p) => !needle || `${p.code} ${p.name} ${p.family}`.toLowerCase().includes(needle),
  );
  return (
    <>
      <PageHeader title={t("Products")} subtitle={t("What the factory makes and the routing each product follows.")}
        actions={<>
          {products.data && <ExportButton label={t("Products")} table={() => productsTable(shown)} />}
          {canWrite && !creating && <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>{t("New product")}</button>}
        </>} />
      {creating && (
        <RecordForm title={t("New product")} fields={productFields()} resource={productApi}
          onCancel={() => setCreating(false)}
          onDone={(p) => { setCreating(false); products.reload(); navigate(`/products/${p.id}`); }} />
      )}
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
          {selectedId ? <ProductDetail key={selectedId} id={selectedId} onChanged={products.reload} /> : (
            <Empty>{t("Select a product to see its routing.")}</Empty>
          )}
        </section>
      </div>
    </>
  );
}

type Editing = "none" | "product" | "routing" | "bom";

function ProductDetail({ id, onChanged }: { id: number; onChanged: () => void }) {
  const data = useApi(() => Promise.all([getProduct(id), getRouting(id), getBom(id), listLines(), listMaterials()]), [id]);
  const canWrite = useCan("masterdata:write");
  const [editing, setEditing] = useState<Editing>("none");
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading label={t("Loading routing…")} />;
  const [product, routing, bom, lines, materials] = data.data;
  const done = () => { setEditing("none"); data.reload(); onChanged(); };
  return (
    <>
      {editing === "product" ? (
        <RecordForm title={t("Edit product {code}", { code: product.code })} fields={productFields()} resource={productApi}
          record={product} onCancel={() => setEditing("none")} onDone={done} />
      ) : (
        <div className="md-title-row">
          <h2 className="panel-title">{product.code} — {product.name}</h2>
          {canWrite && editing === "none" && (
            <span className="md-actions">
              <button type="button" className="btn" onClick={() => setEditing("product")}>{t("Edit product")}</button>
              <DeleteButton what={product.code} onDelete={() => productApi.remove(product.id)}
                onDeleted={() => { onChanged(); navigate("/products"); }} />
            </span>
          )}
        </div>
      )}
      <p className="muted">
        {t("Family {family}", { family: product.family || "—" })} · {t("routing version {version}", { version: String(routing.version) })} · {t("{count} steps", { count: routing.steps.length })}
      </p>
      <div className="md-title-row">
        <h3 className="panel-title">{t("Routing")}</h3>
        {canWrite && editing === "none" && (
          <button type="button" className="btn" onClick={() => setEditing("routing")}>{t("Edit routing")}</button>
        )}
      </div>
      {editing === "routing" ? (
        <RoutingEditor productId={product.id} routing={routing} lines={lines} onDone={done} onCancel={() => setEditing("none")} />
      ) : (
        <RoutingTable routing={routing} />
      )}
      <div className="md-title-row">
        <h3 className="panel-title">{t("Bill of materials")}</h3>
        {canWrite && editing === "none" && (
          <button type="button" className="btn" onClick={() => setEditing("bom")}>{t("Edit bill of materials")}</button>
        )}
      </div>
      {editing === "bom" ? (
        <BomEditor productId={product.id} bom={bom} materials={materials} onDone={done} onCancel={() => setEditing("none")} />
      ) : bom.items.length === 0 ? (
        <Empty>{t("No materials in the bill of materials yet.")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="bom">
            <thead><tr><th>{t("Material")}</th><th className="num">{t("Quantity per unit")}</th></tr></thead>
            <tbody>
              {bom.items.map((i) => (
                <tr key={i.material.id}>
                  <td><div className="strong">{i.material.code}</div><div className="sub">{i.material.name}</div></td>
                  <td className="num">{fmtDecimal(i.quantity_per_unit, 4)} {i.material.unit}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function RoutingTable({ routing }: { routing: Awaited<ReturnType<typeof getRouting>> }) {
  return (
    <>
      {routing.steps.length === 0 ? (
        <Empty>{t("This product has no routing yet.")}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="routing">
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
                      <StepDocuments stepId={s.id} stepName={s.name} />
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
