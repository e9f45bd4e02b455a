import { APIKEYS_WRITE, AUDIT_READ, USERS_READ } from "../admin/permissions";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import type { User } from "../api";
import { LOCALES, msg, t, useT, type Locale } from "../i18n";
import { siteZone } from "../site";
import { useLocation } from "../router";
import { Icon, type IconName } from "./Icon";
import { AlertsBadge } from "../alerts/AlertsBadge";
import { Link } from "./Link";
import { roleName } from "../session";
import { AssistantPanel } from "../assistant/AssistantPanel";
import { useConversation } from "../assistant/useConversation";
import "./shell-phone.css";

interface NavItem {
  to: string;
  label: string;
  icon: IconName;
  /** Shown only to a role with this permission (the page would refuse everyone else). */
  permission?: string;
}

// The server's permission for the job queue (core/security.py POLICY).
const JOBS_ADMIN = "jobs:admin";
// The allocation board and labour figures (supervisors, managers, admins).
const LABOUR_READ = "labour:read";
// The server's permission for the Idle time page.
const IDLE_READ = "idle:read";
// The server's permission for the Maintenance page.
const MAINTENANCE_READ = "maintenance:read";

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
      { to: "/alerts", label: msg("Alerts"), icon: "alerts" },
      { to: "/allocation", label: msg("Allocation"), icon: "operators", permission: LABOUR_READ },
      { to: "/idle", label: msg("Idle time"), icon: "downtime", permission: IDLE_READ },
      { to: "/reports", label: msg("Reports"), icon: "kpis" },
      { to: "/deliveries", label: msg("Deliveries at risk"), icon: "orders" },
      { to: "/maintenance", label: msg("Maintenance"), icon: "jobs", permission: MAINTENANCE_READ },
      { to: "/quality", label: msg("Quality"), icon: "kpis" },
    ],
  },
  {
    section: msg("Master data"),
    items: [
      { to: "/products", label: msg("Products"), icon: "products" },
      { to: "/lines", label: msg("Lines & machines"), icon: "lines" },
      { to: "/inventory", label: msg("Inventory"), icon: "inventory" },
      { to: "/materials", label: msg("Materials"), icon: "inventory" },
      { to: "/cost-rates", label: msg("Costs and predictions"), icon: "kpis" },
      { to: "/operators", label: msg("Operators"), icon: "operators" },
      { to: "/calendars", label: msg("Calendars"), icon: "calendars" },
      { to: "/reason-codes", label: msg("Reason codes"), icon: "reasons" },
      { to: "/import", label: msg("Import"), icon: "import", permission: "import" },
      { to: "/genealogy", label: msg("Genealogy"), icon: "inventory" },
    ],
  },
  {
    section: msg("Administration"),
    items: [
      { to: "/admin/users", label: msg("Users"), icon: "operators", permission: USERS_READ },
      { to: "/admin/areas", label: msg("Areas"), icon: "lines", permission: USERS_READ },
      { to: "/admin/api-keys", label: msg("API keys"), icon: "admin", permission: APIKEYS_WRITE },
      { to: "/admin/audit", label: msg("Audit log"), icon: "reasons", permission: AUDIT_READ },
      { to: "/admin/jobs", label: msg("Background jobs"), icon: "jobs", permission: JOBS_ADMIN },
    ],
  },
];

export function Shell({ user, onSignOut, onSignOutEverywhere, children }: {
  user: User;
  onSignOut: () => void;
  /** Ends every session of the user (a phone left signed in); absent: not offered. */
  onSignOutEverywhere?: () => void;
  children: ReactNode;
}) {
  useT(); // re-render the navigation when the language changes
  const { path, query } = useLocation();
  const active = (to: string) => path === to || path.startsWith(`${to}/`);
  // Wall mode (?wall=1): a screen on the shop floor shows the page alone, no navigation.
  // The page stays mounted when it toggles (the aside is only left out).
  const wall = query.get("wall") === "1";
  // On a phone the navigation is a drawer behind a menu button; going somewhere closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  // "Ask": the assistant's conversation is held here, not in a page, so that it stays
  // while the user moves between pages (the panel may be closed and opened again too).
  const convo = useConversation();
  const [askOpen, setAskOpen] = useState(false);
  const askButton = useRef<HTMLButtonElement>(null);
  const closeAsk = useCallback(() => {
    setAskOpen(false);
    askButton.current?.focus();
  }, []);
  const nav = NAV.map((group) => ({
    ...group,
    items: group.items.filter((item) => !item.permission || user.permissions.includes(item.permission)),
  })).filter((group) => group.items.length > 0);
  return (
    <div className={`shell${wall ? " shell-wall" : ""}${menuOpen ? " menu-open" : ""}${askOpen && !wall ? " ask-open" : ""}`}>
      {!wall && <aside className="sidebar">
        <button type="button" className="btn-icon menu-button" aria-expanded={menuOpen}
          aria-controls="main-nav" data-testid="menu-button"
          aria-label={menuOpen ? t("Close menu") : t("Menu")} onClick={() => setMenuOpen((o) => !o)}>
          <Icon name="menu" />
        </button>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <svg viewBox="0 0 32 32" width="28" height="28">
              <rect width="32" height="32" rx="7" fill="#2563eb" />
              <path d="M8 22h16M8 16h11M8 10h6" stroke="white" strokeWidth="3" strokeLinecap="round" />
            </svg>
          </span>
          <span className="brand-name">Linewise</span>
        </div>
        <button type="button" ref={askButton} className="ask-button" data-testid="ask-button"
          aria-expanded={askOpen} aria-controls="assistant-panel"
          title={t("Ask a question about orders, KPIs or downtime")}
          onClick={() => (askOpen ? closeAsk() : setAskOpen(true))}>
          <Icon name="ask" />
          <span>{t("Ask")}</span>
        </button>
        <nav className="nav" id="main-nav" aria-label={t("Main")}>
          {nav.map((group) => (
            <div className="nav-group" key={group.section}>
              <div className="nav-section">{t(group.section)}</div>
              {group.items.map((item) => (
                <Link key={item.to} to={item.to}
                  className={`nav-link${active(item.to) ? " active" : ""}`}
                  aria-current={active(item.to) ? "page" : undefined}>
                  <Icon name={item.icon} />
                  <span>{t(item.label)}</span>
                  {item.to === "/alerts" && <AlertsBadge />}
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
            <div className="user-role">{roleName(user.role)}</div>
          </div>
          <button type="button" className="btn-icon" onClick={onSignOut} title={t("Sign out")} aria-label={t("Sign out")}>
            <Icon name="logout" />
          </button>
        </div>
        <div className="shell-prefs">
          <LocaleSwitch />
          {onSignOutEverywhere && (
            <button type="button" className="btn-link shell-signout-all" data-testid="sign-out-everywhere"
              title={t("Ends your sessions on every device, this one included")}
              onClick={() => { if (window.confirm(t("Sign out on every device, this one included?"))) onSignOutEverywhere(); }}>
              {t("Sign out everywhere")}
            </button>
          )}
          <Link to="/account/security" className="btn-link" data-testid="account-security">
            {t("Two-factor authentication")}
          </Link>
          <div className="muted shell-zone" data-testid="site-zone" title={t("All times on every page are in the site's time zone")}>
            {t("Times in {zone}", { zone: siteZone() })}
          </div>
        </div>
      </aside>}
      {menuOpen && <div className="menu-scrim" aria-hidden="true" onClick={() => setMenuOpen(false)} />}
      <main className="content">{children}</main>
      {askOpen && !wall && <AssistantPanel convo={convo} onClose={closeAsk} />}
    </div>
  );
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
