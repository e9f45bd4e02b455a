import type { ReactNode } from "react";
import type { User } from "../api";
import { LOCALES, msg, t, useT, type Locale } from "../i18n";
import { siteZone } from "../site";
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
    section: msg("Production"),
    items: [
      { to: "/floor", label: msg("Floor"), icon: "floor" },
      { to: "/orders", label: msg("Orders"), icon: "orders" },
      { to: "/schedule", label: msg("Schedule"), icon: "schedule" },
      { to: "/kpis", label: msg("KPIs"), icon: "kpis" },
      { to: "/downtime", label: msg("Downtime"), icon: "downtime" },
    ],
  },
  {
    section: msg("Master data"),
    items: [
      { to: "/products", label: msg("Products"), icon: "products" },
      { to: "/lines", label: msg("Lines & machines"), icon: "lines" },
      { to: "/inventory", label: msg("Inventory"), icon: "inventory" },
      { to: "/operators", label: msg("Operators"), icon: "operators" },
      { to: "/calendars", label: msg("Calendars"), icon: "calendars" },
      { to: "/reason-codes", label: msg("Reason codes"), icon: "reasons" },
    ],
  },
];

export function Shell({ user, onSignOut, children }: {
  user: User;
  onSignOut: () => void;
  children: ReactNode;
}) {
  useT(); // re-render the navigation when the language changes
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
        <nav className="nav" aria-label={t("Main")}>
          {NAV.map((group) => (
            <div className="nav-group" key={group.section}>
              <div className="nav-section">{t(group.section)}</div>
              {group.items.map((item) => (
                <Link key={item.to} to={item.to}
                  className={`nav-link${active(item.to) ? " active" : ""}`}
                  aria-current={active(item.to) ? "page" : undefined}>
                  <Icon name={item.icon} />
                  <span>{t(item.label)}</span>
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
            <div className="user-role">{roleLabel(user.role)}</div>
          </div>
          <button type="button" className="btn-icon" onClick={onSignOut} title={t("Sign out")} aria-label={t("Sign out")}>
            <Icon name="logout" />
          </button>
        </div>
        <div className="shell-prefs">
          <LocaleSwitch />
          <div className="muted shell-zone" data-testid="site-zone" title={t("All times on every page are in the site's time zone")}>
            {t("Times in {zone}", { zone: siteZone() })}
          </div>
        </div>
      </aside>}
      <main className="content">{children}</main>
    </div>
  );
}

const ROLES: Record<string, string> = {
  admin: msg("Administrator"),
  planner: msg("Planner"),
  supervisor: msg("Supervisor"),
  operator: msg("Operator"),
  manager: msg("Manager"),
};

function roleLabel(role: string): string {
  return ROLES[role] ? t(ROLES[role]) : role;
}

/** English/Deutsch: saved in the browser, defaults to the browser's language. */
export function LocaleSwitch() {
  const { locale, setLocale } = useT();
  return (
    <label className="locale-switch">
      <span className="sr-only">{t("Language")}</span>
      <select aria-label={t("Language")} data-testid="locale-switch" value={locale}
        onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((l) => <option key={l.value} value={l.value} lang={l.value}>{l.label}</option>)}
      </select>
    </label>
  );
}
