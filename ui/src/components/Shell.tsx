import type { ReactNode } from "react";
import type { User } from "../api";
import { useLocation } from "../router";
import { Icon, type IconName } from "./Icon";
import { Link } from "./Link";

interface NavItem {
  to: string;
  label: string;
  icon: IconName;
}

// The main navigation; each entry has its route in Routes.tsx.
const NAV: { section: string; items: NavItem[] }[] = [
  {
    section: "Production",
    items: [
      { to: "/floor", label: "Floor", icon: "floor" },
      { to: "/orders", label: "Orders", icon: "orders" },
      { to: "/schedule", label: "Schedule", icon: "schedule" },
      { to: "/kpis", label: "KPIs", icon: "kpis" },
      { to: "/downtime", label: "Downtime", icon: "downtime" },
    ],
  },
  {
    section: "Master data",
    items: [
      { to: "/products", label: "Products", icon: "products" },
      { to: "/lines", label: "Lines & machines", icon: "lines" },
      { to: "/inventory", label: "Inventory", icon: "inventory" },
      { to: "/operators", label: "Operators", icon: "operators" },
      { to: "/calendars", label: "Calendars", icon: "calendars" },
      { to: "/reason-codes", label: "Reason codes", icon: "reasons" },
    ],
  },
];

export function Shell({ user, onSignOut, children }: {
  user: User;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { path, query } = useLocation();
  const active = (to: string) => path === to || path.startsWith(`${to}/`);
  // Wall mode (?wall=1): a screen on the shop floor shows the page alone, no navigation.
  // The page stays mounted when it toggles (the aside is only left out).
  const wall = query.get("wall") === "1";
  return (
    <div className={`shell${wall ? " shell-wall" : ""}`}>
      {!wall && <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <svg viewBox="0 0 32 32" width="28" height="28">
              <rect width="32" height="32" rx="7" fill="#2563eb" />
              <path d="M8 22h16M8 16h11M8 10h6" stroke="white" strokeWidth="3" strokeLinecap="round" />
            </svg>
          </span>
          <span className="brand-name">Linewise</span>
        </div>
        <nav className="nav" aria-label="Main">
          {NAV.map((group) => (
            <div className="nav-group" key={group.section}>
              <div className="nav-section">{group.section}</div>
              {group.items.map((item) => (
                <Link key={item.to} to={item.to}
                  className={`nav-link${active(item.to) ? " active" : ""}`}
                  aria-current={active(item.to) ? "page" : undefined}>
                  <Icon name={item.icon} />
                  <span>{item.label}</span>
                </Link>
              ))}
            </div>
          ))}
        </nav>
        <div className="user-box">
          <div className="user-avatar" aria-hidden="true">
            {(user.full_name || user.username).slice(0, 1).toUpperCase()}
          </div>
          <div className="user-meta">
            <div className="user-name" data-testid="current-user">{user.full_name || user.username}</div>
            <div className="user-role">{user.role}</div>
          </div>
          <button type="button" className="btn-icon" onClick={onSignOut} title="Sign out" aria-label="Sign out">
            <Icon name="logout" />
          </button>
        </div>
      </aside>}
      <main className="content">{children}</main>
    </div>
  );
}
