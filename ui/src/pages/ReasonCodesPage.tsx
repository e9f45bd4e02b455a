import { useState } from "react";
import { listReasonCodes, type ReasonCategory } from "../api";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";

const CATEGORIES: (ReasonCategory | "all")[] = ["all", "downtime", "scrap", "rework"];
const LABEL: Record<string, string> = { all: "All", downtime: "Downtime", scrap: "Scrap", rework: "Rework" };

export function ReasonCodesPage() {
  const codes = useApi(listReasonCodes, []);
  const [category, setCategory] = useState<ReasonCategory | "all">("all");
  const header = <PageHeader title="Reason codes" subtitle="Why machines stop and why parts are scrapped or reworked." />;
  if (codes.error) return <>{header}<ErrorState error={codes.error} onRetry={codes.reload} /></>;
  if (!codes.data) return <>{header}<Loading /></>;
  const all = codes.data;
  const shown = all.filter((c) => category === "all" || c.category === category);
  const parent = (id: number | null) => (id === null ? null : all.find((c) => c.id === id));
  return (
    <>
      {header}
      <div className="filter-chips" role="group" aria-label="Filter by category">
        {CATEGORIES.map((c) => (
          <button key={c} type="button" className={`filter-chip${category === c ? " on" : ""}`}
            aria-pressed={category === c} onClick={() => setCategory(c)}>
            {LABEL[c]} <span className="count">{c === "all" ? all.length : all.filter((x) => x.category === c).length}</span>
          </button>
        ))}
      </div>
      {shown.length === 0 ? <Empty>No reason codes{category !== "all" ? ` in ${LABEL[category].toLowerCase()}` : ""}.</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>Code</th><th>Name</th><th>Category</th><th>Machine class</th><th>Parent</th></tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.id}>
                  <td className="strong mono">{c.code}</td>
                  <td>{c.name}</td>
                  <td><span className={`badge cat-${c.category}`}>{LABEL[c.category]}</span></td>
                  <td>{c.machine_class ?? <span className="muted">any</span>}</td>
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
