import { useState } from "react";
import { listReasonCodes, type ReasonCategory } from "../api";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { msg, t } from "../i18n";

const CATEGORIES: (ReasonCategory | "all")[] = ["all", "downtime", "scrap", "rework"];
const LABEL: Record<string, string> = { all: msg("All"), downtime: msg("Downtime"), scrap: msg("Scrap"), rework: msg("Rework") };

export function ReasonCodesPage() {
  const codes = useApi(listReasonCodes, []);
  const [category, setCategory] = useState<ReasonCategory | "all">("all");
  const header = <PageHeader title={t("Reason codes")} subtitle={t("Why machines stop and why parts are scrapped or reworked.")} />;
  if (codes.error) return <>{header}<ErrorState error={codes.error} onRetry={codes.reload} /></>;
  if (!codes.data) return <>{header}<Loading /></>;
  const all = codes.data;
  const shown = all.filter((c) => category === "all" || c.category === category);
  const parent = (id: number | null) => (id === null ? null : all.find((c) => c.id === id));
  return (
    <>
      {header}
      <div className="filter-chips" role="group" aria-label={t("Filter by category")}>
        {CATEGORIES.map((c) => (
          <button key={c} type="button" className={`filter-chip${category === c ? " on" : ""}`}
            aria-pressed={category === c} onClick={() => setCategory(c)}>
            {t(LABEL[c])} <span className="count">{c === "all" ? all.length : all.filter((x) => x.category === c).length}</span>
          </button>
        ))}
      </div>
      {shown.length === 0 ? <Empty>{category === "all" ? t("No reason codes.") : t("No reason codes in “{category}”.", { category: t(LABEL[category]) })}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Category")}</th><th>{t("Machine class")}</th><th>{t("Parent")}</th></tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.id}>
                  <td className="strong mono">{c.code}</td>
                  <td>{c.name}</td>
                  <td><span className={`badge cat-${c.category}`}>{t(LABEL[c.category])}</span></td>
                  <td>{c.machine_class ?? <span className="muted">{t("any")}</span>}</td>
                  <td>{parent(c.parent_id)?.code ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
