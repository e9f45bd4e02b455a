import { useState, type FormEvent } from "react";
import { ApiError, listAreas, listSites, type Area } from "../api";
import { Empty, ErrorState, Loading } from "../components/States";
import { t } from "../i18n";
import { useDeniedReason } from "../session";
import { useApi } from "../useApi";
import { createArea, deleteArea, listUsers, renameArea } from "./api";
import { EQUIPMENT_WRITE } from "./permissions";

/** The areas users are scoped to: created, renamed and removed here (admin only). */
export function AreasPanel() {
  const data = useApi(() => Promise.all([listAreas(), listSites(), listUsers()]), []);
  const denied = useDeniedReason(EQUIPMENT_WRITE);
  const [renaming, setRenaming] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const [areas, sites, users] = data.data;
  const siteName = new Map(sites.map((s) => [s.id, s.name]));
  const usersIn = (a: Area) => users.filter((u) => u.area_ids.includes(a.id)).map((u) => u.username);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      setRenaming(null);
      setConfirming(null);
      data.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="panel" data-testid="areas">
      <div className="admin-toolbar">
        <h2 className="panel-title">{t("Areas")}</h2>
      </div>
      {denied
        ? <p className="muted" data-testid="areas-readonly">{t("Changing areas: {reason}", { reason: denied })}</p>
        : <NewArea sites={sites} onCreated={() => data.reload()} />}
      {error !== null && <ErrorState error={error} />}
      {areas.length === 0 ? <Empty>{t("No areas yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Site")}</th><th>{t("Users")}</th><th /></tr>
            </thead>
            <tbody>
              {areas.map((a) => (
                <tr key={a.id} data-testid="area-row" data-code={a.code}>
                  <td className="mono strong">{a.code}</td>
                  <td>
                    {renaming === a.id
                      ? <RenameForm area={a} onCancel={() => setRenaming(null)} onSave={(name) => act(() => renameArea(a, name))} />
                      : a.name}
                  </td>
                  <td>{siteName.get(a.site_id) ?? t("unknown site")}</td>
                  <td className="sub">{usersIn(a).join(", ") || <span className="muted">—</span>}</td>
                  <td className="num">
                    {!denied && renaming !== a.id && (confirming === a.id ? (
                      <div className="confirm-row" role="group">
                        <span>{t("Remove “{name}”? Only an area without lines can go; its users lose it.", { name: a.name })}</span>
                        <button type="button" className="btn btn-danger" onClick={() => act(() => deleteArea(a.id))}>{t("Yes, remove")}</button>
                        <button type="button" className="btn" onClick={() => setConfirming(null)}>{t("Cancel")}</button>
                      </div>
                    ) : (
                      <div className="confirm-row">
                        <button type="button" className="btn" onClick={() => setRenaming(a.id)}>{t("Rename")}</button>
                        <button type="button" className="btn" onClick={() => setConfirming(a.id)}>{t("Remove")}</button>
                      </div>
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

function RenameForm({ area, onCancel, onSave }: { area: Area; onCancel: () => void; onSave: (name: string) => void }) {
  const [name, setName] = useState(area.name);
  return (
    <form className="confirm-row" onSubmit={(e) => { e.preventDefault(); onSave(name.trim()); }}>
      <input className="inline-input" value={name} required maxLength={200} aria-label={t("New name of {code}", { code: area.code })}
        onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="btn btn-primary">{t("Save")}</button>
      <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
    </form>
  );
}

function NewArea({ sites, onCreated }: { sites: { id: number; name: string }[]; onCreated: () => void }) {
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [siteId, setSiteId] = useState<number>(sites[0]?.id ?? 0);
  const [error, setError] = useState<unknown>(null);
  const fieldError = (f: string) => (error instanceof ApiError ? error.fieldMessage(f) : undefined);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await createArea({ site_id: siteId, code: code.trim(), name: name.trim() });
      setCode("");
      setName("");
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="admin-form area-form" onSubmit={submit} aria-label={t("New area")}>
      <label className="field">
        <span>{t("Code")}</span>
        <input type="text" value={code} required maxLength={40} placeholder={t("e.g. SMT")} onChange={(e) => setCode(e.target.value)}
          aria-invalid={fieldError("code") ? true : undefined} />
        {fieldError("code") && <span className="field-message">{fieldError("code")}</span>}
      </label>
      <label className="field">
        <span>{t("Name")}</span>
        <input type="text" value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} />
      </label>
      {sites.length > 1 && (
        <label className="field">
          <span>{t("Site")}</span>
          <select value={siteId} onChange={(e) => setSiteId(Number(e.target.value))}>
            {sites.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
      )}
      {error !== null && <div className="admin-form-actions"><ErrorState error={error} /></div>}
      <div className="admin-form-actions">
        <button type="submit" className="btn btn-primary">{t("Add area")}</button>
      </div>
    </form>
  );
}
