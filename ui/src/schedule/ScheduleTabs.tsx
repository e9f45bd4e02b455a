import { Link } from "../components/Link";

/** Plans | Scenarios switch in the Schedule page header. */
export function ScheduleTabs({ active }: { active: "plans" | "scenarios" }) {
  return (
    <nav className="segmented sched-tabs" aria-label="Schedule views">
      <Link to="/schedule" className={active === "plans" ? "on" : undefined} aria-current={active === "plans" ? "page" : undefined}>Plans</Link>
      <Link to="/schedule/scenarios" className={active === "scenarios" ? "on" : undefined} aria-current={active === "scenarios" ? "page" : undefined}>Scenarios</Link>
    </nav>
  );
}
