import { APIKEYS_WRITE, AUDIT_READ, USERS_READ } from "../admin/permissions";
import { ApiKeysPanel } from "../admin/ApiKeysPanel";
import { AreasPanel } from "../admin/AreasPanel";
import { AuditPanel } from "../admin/AuditPanel";
import { UsersPanel } from "../admin/UsersPanel";
import "../admin/admin.css";
import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { msg, t } from "../i18n";
import { useUser } from "../session";

export type AdminTab = "users" | "areas" | "api-keys" | "audit";

const TABS: { tab: AdminTab; label: string; permission: string }[] = [
  { tab: "users", label: msg("Users"), permission: USERS_READ },
  { tab: "areas", label: msg("Areas"), permission: USERS_READ },
  { tab: "api-keys", label: msg("API keys"), permission: APIKEYS_WRITE },
  { tab: "audit", label: msg("Audit log"), permission: AUDIT_READ },
];

/** Users and their roles and areas, API keys, and the audit log with its chain check. */
export function AdminPage({ tab }: { tab: string }) {
  const user = useUser();
  const tabs = TABS.filter((x) => user.permissions.includes(x.permission));
  const current = TABS.find((x) => x.tab === tab);
  const header = (
    <PageHeader title={t("Administration")}
      subtitle={t("Who may sign in and what they may do, keys for machines and integrations, and the record of every change.")} />
  );
  const nav = (
    <nav className="admin-tabs" aria-label={t("Administration")}>
      {tabs.map((x) => (
        <Link key={x.tab} to={`/admin/${x.tab}`} className={`admin-tab${x.tab === tab ? " on" : ""}`}
          aria-current={x.tab === tab ? "page" : undefined}>{t(x.label)}</Link>
      ))}
    </nav>
  );
  if (!current) return <>{header}{nav}</>;
  // A part typed into the address bar by a role without it is not hidden here: its
  // request is refused by the server, and ErrorState says so in words.
  return (
    <>
      {header}
      {nav}
      {current.tab === "users" && <UsersPanel />}
      {current.tab === "areas" && <AreasPanel />}
      {current.tab === "api-keys" && <ApiKeysPanel />}
      {current.tab === "audit" && <AuditPanel />}
    </>
  );
}
