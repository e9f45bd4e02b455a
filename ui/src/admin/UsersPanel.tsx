import { useState, type FormEvent } from "react";
import { ApiError, listAreas, type Area } from "../api";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { Empty, ErrorState, Loading } from "../components/States";
import { t } from "../i18n";
import { roleName, useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import { AREA_SCOPED, ROLES, createUser, endSessions, listUsers, resetMfa, updateUser, type UserRecord } from "./api";

type Role = UserRecord["role"];

/** Areas by name (never "#4"), in the order of their names. */
function areaNames(ids: number[], areas: Area[]): string {
  const byId = new Map(areas.map((a) => [a.id, a.name]));
  return ids.map((id) => byId.get(id) ?? t("unknown area")).sort().join(", ");
}

/** The users as the list shows them: areas by name, the role's name, the status in words. */
function usersTable(users: UserRecord[], areas: Area[]): ExportTable {
  return {
    title: t("Users"),
    columns: [t("Username"), t("Name"), t("Role"), t("Areas"), t("Status"), t("MFA"), t("SSO")],
    rows: users.map((u) => [
      u.username,
      u.full_name,
      roleName(u.role),
      u.area_ids.length > 0 ? areaNames(u.area_ids, areas) : AREA_SCOPED.includes(u.role) ? t("no areas assigned") : t("whole site"),
      u.active ? t("Active") : t("Inactive"),
      u.mfa_enabled ? t("yes") : t("no"),
      u.auth_source === "oidc" ? t("yes") : t("no"),
    ]),
  };
}

/** The list of users, a form to create one, and per user: role, areas, active, new password. */
export function UsersPanel() {
  const data = useApi(() => Promise.all([listUsers(), listAreas()]), []);
  const canWrite = useCan("users:write");
  const denied = useDeniedReason("users:write");
  const [editing, setEditing] = useState<UserRecord | "new" | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const [users, areas] = data.data;

  const done = (message: string) => {
    setEditing(null);
    setSaved(message);
    data.reload();
  };

  const endUserSessions = async (u: UserRecord) => {
    if (!window.confirm(t("Sign {username} out on every device?", { username: u.username }))) return;
    setSaved(null);
    try {
      const ended = await endSessions(u.id);
      setSaved(t("{username}: {count} sessions ended.", { username: u.username, count: ended }));
    } catch (e) {
      setSaved(e instanceof ApiError ? e.message : t("The sessions could not be ended."));
    }
  };

  const resetUserMfa = async (u: UserRecord) => {
    if (!window.confirm(t("Reset the MFA of {username}? Their sessions end too.", { username: u.username }))) return;
    setSaved(null);
    try {
      await resetMfa(u.id);
      setSaved(t("{username}: MFA reset.", { username: u.username }));
      data.reload();
    } catch (e) {
      setSaved(e instanceof ApiError ? e.message : t("The MFA could not be reset."));
    }
  };

  return (
    <section className="panel" data-testid="users">
      <div className="admin-toolbar">
        <h2 className="panel-title">{t("Users")}</h2>
        {users.length > 0 && <ExportButton label={t("Users")} table={() => usersTable(users, areas)} />}
        <button type="button" className="btn btn-primary" disabled={!canWrite || editing !== null}
          title={denied ?? undefined} onClick={() => { setEditing("new"); setSaved(null); }}>
          {t("New user")}
        </button>
      </div>
      {denied && <p className="muted" data-testid="users-readonly">{t("Changing users: {reason}", { reason: denied })}</p>}
      {saved && <div className="notice notice-ok" role="status" data-testid="user-saved">{saved}</div>}
      {editing !== null && (
        <UserForm key={editing === "new" ? "new" : editing.id} user={editing === "new" ? null : editing}
          areas={areas} onCancel={() => setEditing(null)} onSaved={done} />
      )}
      {users.length === 0 ? <Empty>{t("No users yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>{t("Username")}</th><th>{t("Name")}</th><th>{t("Role")}</th><th>{t("Areas")}</th><th>{t("Status")}</th><th /></tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} data-testid="user-row" data-username={u.username} className={u.active ? undefined : "row-inactive"}>
                  <td className="strong mono">{u.username}</td>
                  <td>{u.full_name || <span className="muted">—</span>}</td>
                  <td>{roleName(u.role)}</td>
                  <td data-testid="user-areas">
                    {u.area_ids.length > 0 ? areaNames(u.area_ids, areas)
                      : AREA_SCOPED.includes(u.role) ? <span className="text-warn">{t("no areas assigned")}</span>
                      : <span className="muted">{t("whole site")}</span>}
                  </td>
                  <td>
                    {u.active ? <span className="badge status-completed">{t("Active")}</span> : <span className="badge status-cancelled">{t("Inactive")}</span>}
                    {u.mfa_enabled && <span className="badge" data-testid="user-mfa"> {t("MFA")}</span>}
                    {u.auth_source === "oidc" && <span className="badge"> {t("SSO")}</span>}
                  </td>
                  <td className="num">
                    {canWrite && (
                      <button type="button" className="btn" disabled={editing !== null}
                        onClick={() => { setEditing(u); setSaved(null); }}
                        aria-label={t("Edit {username}", { username: u.username })}>
                        {t("Edit")}
                      </button>
                    )}
                    {canWrite && (
                      <button type="button" className="btn" disabled={editing !== null}
                        data-testid="end-sessions"
                        aria-label={t("End the sessions of {username}", { username: u.username })}
                        onClick={() => void endUserSessions(u)}>
                        {t("End sessions")}
                      </button>
                    )}
                    {canWrite && u.mfa_enabled && (
                      <button type="button" className="btn" disabled={editing !== null}
                        data-testid="reset-mfa"
                        aria-label={t("Reset the MFA of {username}", { username: u.username })}
                        onClick={() => void resetUserMfa(u)}>
                        {t("Reset MFA")}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function UserForm({ user, areas, onCancel, onSaved }: {
  user: UserRecord | null;
  areas: Area[];
  onCancel: () => void;
  onSaved: (message: string) => void;
}) {
  const [username, setUsername] = useState(user?.username ?? "");
  const [fullName, setFullName] = useState(user?.full_name ?? "");
  const [role, setRole] = useState<Role>(user?.role ?? "operator");
  const [areaIds, setAreaIds] = useState<number[]>(user?.area_ids ?? []);
  const [active, setActive] = useState(user?.active ?? true);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const api = error instanceof ApiError ? error : null;
  const fieldError = (f: string) => api?.fieldMessage(f);
  const scoped = AREA_SCOPED.includes(role);

  const toggleArea = (id: number) =>
    setAreaIds((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (user === null) {
        const made = await createUser({ username: username.trim(), full_name: fullName.trim(), password, role, area_ids: scoped ? areaIds : [] });
        onSaved(t("User {username} created.", { username: made.username }));
      } else {
        await updateUser(user.id, {
          full_name: fullName.trim(), role, active, area_ids: scoped ? areaIds : [], version: user.version,
          ...(password ? { password } : {}),
        });
        onSaved(password
          ? t("User {username} saved: signed out everywhere, they sign in with the new password.", { username: user.username })
          : t("User {username} saved.", { username: user.username }));
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="panel admin-form" onSubmit={submit} data-testid="user-form"
      aria-label={user ? t("Edit user {username}", { username: user.username }) : t("New user")}>
      <label className="field">
        <span>{t("Username")}</span>
        <input type="text" value={username} required disabled={user !== null} autoComplete="off"
          maxLength={80} onChange={(e) => setUsername(e.target.value)} aria-invalid={fieldError("username") ? true : undefined} />
        {fieldError("username") && <span className="field-message">{fieldError("username")}</span>}
      </label>
      <label className="field">
        <span>{t("Full name")}</span>
        <input type="text" value={fullName} maxLength={200} onChange={(e) => setFullName(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("Role")}</span>
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
        </select>
      </label>
      <label className="field">
        <span>{user ? t("New password (empty: unchanged)") : t("Password")}</span>
        <input type="password" value={password} required={user === null} autoComplete="new-password"
          maxLength={1000} onChange={(e) => setPassword(e.target.value)} aria-invalid={fieldError("password") ? true : undefined} />
        {fieldError("password") && <span className="field-message">{fieldError("password")}</span>}
      </label>
      {user !== null && (
        <label className="check">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          {t("Active (may sign in)")}
        </label>
      )}
      {scoped && (
        <fieldset>
          <legend>{t("Areas (this role sees and changes only these)")}</legend>
          {areas.length === 0 && <span className="muted">{t("No areas set up yet.")}</span>}
          {areas.map((a) => (
            <label key={a.id} className="check">
              <input type="checkbox" checked={areaIds.includes(a.id)} onChange={() => toggleArea(a.id)} />
              {a.name}
            </label>
          ))}
        </fieldset>
      )}
      {error !== null && <div className="admin-form-actions"><ErrorState error={error} /></div>}
      <div className="admin-form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t("Saving…") : user ? t("Save") : t("Create user")}
        </button>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </div>
    </form>
  );
}
