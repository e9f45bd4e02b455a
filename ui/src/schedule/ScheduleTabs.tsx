import { Link } from "../components/Link";
import { t } from "../i18n";

/** Plans | Scenarios switch in the Schedule page header. */
export function ScheduleTabs({ active }: { active: "plans" | "scenarios" }) {
  return (
    <nav className="segmented sched-tabs" aria-label={t("Schedule views")}>
      <Link to="/schedule" className={active === "plans" ? "on" : undefined} aria-current={active === "plans" ? "page" : undefined}>{t("Plans")}</Link>
      <Link to="/schedule/scenarios" className={active === "scenarios" ? "on" : undefined} aria-current={active === "scenarios" ? "page" : undefined}>{t("Scenarios")}</Link>
    </nav>
  );
}
