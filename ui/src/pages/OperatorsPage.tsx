import { listAreas, listOperators } from "../api";
import { Chip } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { t } from "../i18n";

export function OperatorsPage() {
  const data = useApi(() => Promise.all([listOperators(), listAreas()]), []);
  const header = <PageHeader title={t("Operators")} subtitle={t("People on the floor, their skills, areas and shift.")} />;
  if (data.error) return <>{header}<ErrorState error={data.error} onRetry={data.reload} /></>;
  if (!data.data) return <>{header}<Loading /></>;
  const [operators, areas] = data.data;
  const areaName = (id: number) => areas.find((a) => a.id === id)?.name ?? `#${id}`;
  if (operators.length === 0) return <>{header}<Empty>{t("No operators yet.")}</Empty></>;
  return (
    <>
      {header}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Skills")}</th><th>{t("Areas")}</th><th>{t("Shift")}</th><th>{t("Status")}</th></tr>
          </thead>
          <tbody>
            {operators.map((op) => (
              <tr key={op.id} className={op.active ? "" : "row-inactive"}>
                <td className="strong">{op.code}</td>
                <td>{op.name}</td>
                <td><div className="chips">{op.skills.map((s) => <Chip key={s}>{s}</Chip>)}{op.skills.length === 0 && <span className="muted">—</span>}</div></td>
                <td>{op.area_ids.length ? op.area_ids.map(areaName).join(", ") : <span className="muted">—</span>}</td>
                <td>{op.shift_code ?? <span className="muted">—</span>}</td>
                <td>{op.active ? <span className="badge status-released">{t("Active")}</span> : <span className="badge status-cancelled">{t("Inactive")}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
