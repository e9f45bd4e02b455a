import { useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { Empty, ErrorState, Loading } from "../components/States";
import { siteTime, timeColumn } from "../exchange/tables";
import { fmtDateTime, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { roleName } from "../session";
import { useApi } from "../useApi";
import { ROLES, createApiKey, listApiKeys, revokeApiKey, type ApiKey, type ApiKeyCreated, type ApiKeyScope } from "./api";

const SCOPES: Record<ApiKeyScope, string> = {
  device: msg("Device (sends machine data only)"),
  integration: msg("Integration (acts with a role)"),
};

/** The keys as the list shows them (never a secret: the server has only their hashes). */
function apiKeysTable(keys: ApiKey[]): ExportTable {
  return {
    title: t("API keys"),
    columns: [t("Name"), t("Key starts with"), t("Scope"), t("Role"), timeColumn(t("Created")), timeColumn(t("Revoked"))],
    rows: keys.map((k) => [k.name, k.prefix, t(SCOPES[k.scope]), k.role ? roleName(k.role) : "", siteTime(k.created_at), siteTime(k.revoked_at)]),
  };
}

/** Keys for gateways and integrations: created (the secret shown once), listed, revoked. */
export function ApiKeysPanel() {
  const keys = useApi(listApiKeys, []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (keys.error) return <ErrorState error={keys.error} onRetry={keys.reload} />;
  if (!keys.data) return <Loading />;

  const revoke = async (key: ApiKey) => {
    setBusy(true);
    setError(null);
    try {
      await revokeApiKey(key.id);
      setConfirming(null);
      keys.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" data-testid="api-keys">
      <div className="admin-toolbar">
        <h2 className="panel-title">{t("API keys")} <span className="muted" data-testid="time-zone">{zoneLabel()}</span></h2>
        {keys.data.length > 0 && <ExportButton label={t("API keys")} table={() => apiKeysTable(keys.data!)} />}
        <button type="button" className="btn btn-primary" disabled={creating || created !== null}
          onClick={() => setCreating(true)}>{t("New API key")}</button>
      </div>
      {created && <SecretOnce created={created} onDone={() => setCreated(null)} />}
      {creating && (
        <KeyForm onCancel={() => setCreating(false)}
          onCreated={(k) => { setCreating(false); setCreated(k); keys.reload(); }} />
      )}
      {error !== null && <ErrorState error={error} />}
      {keys.data.length === 0 ? <Empty>{t("No API keys yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>{t("Name")}</th><th>{t("Key starts with")}</th><th>{t("Scope")}</th><th>{t("Role")}</th><th>{t("Created")}</th><th>{t("Status")}</th><th /></tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-testid="api-key-row" data-name={k.name} className={k.revoked_at ? "row-inactive" : undefined}>
                  <td className="strong">{k.name}</td>
                  <td className="mono">{k.prefix}…</td>
                  <td>{t(SCOPES[k.scope])}</td>
                  <td>{k.role ? roleName(k.role) : <span className="muted">—</span>}</td>
                  <td>{fmtDateTime(k.created_at)}</td>
                  <td data-testid="api-key-status">
                    {k.revoked_at
                      ? <span className="badge status-cancelled">{t("Revoked {time}", { time: fmtDateTime(k.revoked_at) })}</span>
                      : <span className="badge status-completed">{t("Active")}</span>}
                  </td>
                  <td className="num">
                    {!k.revoked_at && (confirming === k.id ? (
                      <div className="confirm-row" role="group" aria-label={t("Confirm revoking {name}", { name: k.name })}>
                        <span>{t("Revoke “{name}”? Whatever uses it is refused at once.", { name: k.name })}</span>
                        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => revoke(k)}>
                          {busy ? t("Revoking…") : t("Yes, revoke")}
                        </button>
                        <button type="button" className="btn" onClick={() => setConfirming(null)}>{t("Cancel")}</button>
                      </div>
                    ) : (
                      <button type="button" className="btn" disabled={confirming !== null}
                        onClick={() => setConfirming(k.id)}>{t("Revoke")}</button>
                    ))}
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

/** The new key's secret, shown this one time: the server keeps only its hash. */
function SecretOnce({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  const [copied, setCopied] = useState<"copied" | "selected" | null>(null);
  const code = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied("copied");
    } catch {
      // No clipboard (a plain-HTTP address is not a secure context): select the key so
      // that the keyboard's copy takes it.
      const range = document.createRange();
      if (code.current) range.selectNodeContents(code.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopied("selected");
    }
  };
  return (
    <div className="secret-box" role="alert" data-testid="api-key-secret-box">
      <strong>{t("The key “{name}” was created. Copy it now: it is shown only this once and cannot be shown again.", { name: created.name })}</strong>
      <div className="secret-value">
        <code data-testid="api-key-secret" ref={code}>{created.token}</code>
        <button type="button" className="btn" onClick={copy}>{copied === "copied" ? t("Copied") : t("Copy")}</button>
        {copied === "selected" && <span role="status">{t("Selected: press Ctrl+C to copy")}</span>}
      </div>
      <div>
        <button type="button" className="btn btn-primary" onClick={onDone}>{t("I have stored it, close")}</button>
      </div>
    </div>
  );
}

function KeyForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (k: ApiKeyCreated) => void }) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState<ApiKeyScope>("device");
  const [role, setRole] = useState<ApiKey["role"]>("planner");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fieldError = (f: string) => (error instanceof ApiError ? error.fieldMessage(f) : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await createApiKey({ name: name.trim(), scope, role: scope === "integration" ? role : null }));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="panel admin-form" onSubmit={submit} data-testid="api-key-form" aria-label={t("New API key")}>
      <label className="field">
        <span>{t("Name")}</span>
        <input type="text" value={name} required maxLength={200} placeholder={t("e.g. SMT-1 gateway")}
          onChange={(e) => setName(e.target.value)} aria-invalid={fieldError("name") ? true : undefined} />
        {fieldError("name") && <span className="field-message">{fieldError("name")}</span>}
      </label>
      <label className="field">
        <span>{t("Scope")}</span>
        <select value={scope} onChange={(e) => setScope(e.target.value as ApiKeyScope)}>
          {(Object.keys(SCOPES) as ApiKeyScope[]).map((s) => <option key={s} value={s}>{t(SCOPES[s])}</option>)}
        </select>
      </label>
      {scope === "integration" && (
        <label className="field">
          <span>{t("Role")}</span>
          <select value={role ?? "planner"} onChange={(e) => setRole(e.target.value as ApiKey["role"])}>
            {ROLES.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
          </select>
          {fieldError("role") && <span className="field-message">{fieldError("role")}</span>}
        </label>
      )}
      {error !== null && <div className="admin-form-actions"><ErrorState error={error} /></div>}
      <div className="admin-form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? t("Creating…") : t("Create key")}</button>
        <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
      </div>
    </form>
  );
}
