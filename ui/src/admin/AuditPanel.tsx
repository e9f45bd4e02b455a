import { useState } from "react";
import { Pagination } from "../components/Pagination";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtDateTime, fmtNumber, zoneLabel } from "../format";
import { msg, t } from "../i18n";
import { siteZone } from "../site";
import { useApi } from "../useApi";
import { localMidnight } from "../zoned";
import { getAll } from "../api";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { siteTime, timeColumn } from "../exchange/tables";
import { auditEntities, listAudit, verifyAudit, type AuditAction, type AuditEntry, type AuditQuery, type AuditVerdict } from "./api";

const PAGE = 50;
const DAY_MS = 86_400_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ACTIONS: Record<AuditAction, string> = { create: msg("created"), update: msg("changed"), delete: msg("deleted") };

/** A date input's day ("2030-01-10") as the instant its midnight starts in the site's zone. */
function siteMidnight(day: string, plusDays = 0): string | undefined {
  if (!day) return undefined;
  const [y, m, d] = day.split("-").map(Number);
  return new Date(localMidnight(siteZone(), Date.UTC(y, m - 1, d) + plusDays * DAY_MS)).toISOString();
}

/** "name: A → B, version: 1 → 2" (secrets never reach the log). */
function changes(e: AuditEntry): string {
  const before = e.before ?? {};
  const after = e.after ?? {};
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  // Time stamps only when nothing else changed (they change with everything).
  const facts = changed.filter((k) => k !== "updated_at" && k !== "created_at");
  const keys = facts.length > 0 ? facts : changed;
  // Stored instants are UTC ISO strings; people read them on the site's clock.
  const show = (v: unknown) => (v === undefined || v === null ? "—" : typeof v === "string" ? (ISO_INSTANT.test(v) ? fmtDateTime(v) : v) : JSON.stringify(v));
  return keys.slice(0, 6).map((k) => (e.action === "update" ? `${k}: ${show(before[k])} → ${show(after[k])}` : `${k}: ${show(e.action === "delete" ? before[k] : after[k])}`)).join(", ")
    + (keys.length > 6 ? ` (+${keys.length - 6})` : "");
}

/** Every entry the filters select (not only the page on screen), as the table shows it. */
async function auditTable(filters: Omit<AuditQuery, "limit" | "offset">): Promise<ExportTable> {
  const items = await getAll<AuditEntry>("/audit", { ...filters });
  return {
    title: t("Audit log"),
    columns: [t("No."), timeColumn(t("When")), t("Who"), t("Change"), t("What"), t("Id"), t("Details")],
    rows: items.map((e) => [e.seq, siteTime(e.ts), e.actor, t(ACTIONS[e.action as AuditAction] ?? e.action), e.entity, e.entity_id, changes(e)]),
  };
}

/** The audit log, filtered and paged, and the check that its hash chain is unbroken. */
export function AuditPanel() {
  const [actor, setActor] = useState("");
  const [entity, setEntity] = useState("");
  const [action, setAction] = useState<AuditAction | "">("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [offset, setOffset] = useState(0);
  const entities = useApi(auditEntities, []);
  // The end day counts whole: up to the next day's midnight in the site's zone.
  const query = { limit: PAGE, offset, actor: actor.trim(), entity, action, from: siteMidnight(from), to: siteMidnight(to, 1) };
  const log = useApi(() => listAudit(query), [JSON.stringify(query)]);
  const filter = <T,>(set: (v: T) => void) => (v: T) => { set(v); setOffset(0); };
  // Refused (a role without audit:read came by address): the reason, and nothing to press.
  if (entities.error) return <ErrorState error={entities.error} onRetry={entities.reload} />;

  return (
    <section className="panel" data-testid="audit">
      <div className="admin-toolbar">
        <h2 className="panel-title">{t("Audit log")} <span className="muted" data-testid="time-zone">{zoneLabel()}</span></h2>
        <ExportButton label={t("Audit log")} table={() => auditTable({ actor: query.actor, entity, action, from: query.from, to: query.to })} />
      </div>
      <VerifyChain />
      <div className="admin-filters" role="search" aria-label={t("Filter the audit log")}>
        <label className="field">
          <span>{t("Who")}</span>
          <input type="search" value={actor} maxLength={120} placeholder={t("e.g. admin")}
            onChange={(e) => filter(setActor)(e.target.value)} />
        </label>
        <label className="field">
          <span>{t("What")}</span>
          <select value={entity} onChange={(e) => filter(setEntity)(e.target.value)}>
            <option value="">{t("Everything")}</option>
            {(entities.data?.entities ?? []).map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label className="field">
          <span>{t("Change")}</span>
          <select value={action} onChange={(e) => filter(setAction)(e.target.value as AuditAction | "")}>
            <option value="">{t("Any")}</option>
            {(Object.keys(ACTIONS) as AuditAction[]).map((a) => <option key={a} value={a}>{t(ACTIONS[a])}</option>)}
          </select>
        </label>
        <label className="field">
          <span>{t("From (day)")}</span>
          <input type="date" value={from} onChange={(e) => filter(setFrom)(e.target.value)} />
        </label>
        <label className="field">
          <span>{t("To (day, included)")}</span>
          <input type="date" value={to} min={from || undefined} onChange={(e) => filter(setTo)(e.target.value)} />
        </label>
      </div>
      {log.error ? <ErrorState error={log.error} onRetry={log.reload} />
        : !log.data ? <Loading />
        : log.data.items.length === 0 ? <Empty>{t("No records match these filters.")}</Empty>
        : (
          <>
            <div className={`table-wrap${log.loading ? " is-reloading" : ""}`}>
              <table className="table">
                <thead>
                  <tr><th className="num">{t("No.")}</th><th>{t("When")}</th><th>{t("Who")}</th><th>{t("Change")}</th><th>{t("What")}</th><th>{t("Details")}</th></tr>
                </thead>
                <tbody>
                  {log.data.items.map((e) => (
                    <tr key={e.seq} data-testid="audit-row" data-seq={e.seq}>
                      <td className="num mono">{e.seq}</td>
                      <td className="nowrap">{fmtDateTime(e.ts)}</td>
                      <td className="mono">{e.actor}</td>
                      <td>{t(ACTIONS[e.action as AuditAction] ?? e.action)}</td>
                      <td><span className="mono">{e.entity}</span> <span className="muted">{e.entity_id}</span></td>
                      <td className="audit-changes">{changes(e)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination offset={offset} limit={PAGE} total={log.data.total} onChange={setOffset} />
          </>
        )}
    </section>
  );
}

/** "Verify chain": walks the whole log and says in words whether it is intact. */
function VerifyChain() {
  const [busy, setBusy] = useState(false);
  const [verdict, setVerdict] = useState<AuditVerdict | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    setVerdict(null);
    try {
      setVerdict(await verifyAudit());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="admin-toolbar">
      <button type="button" className="btn" disabled={busy} onClick={run} data-testid="verify-chain">
        {busy ? t("Checking…") : t("Verify chain")}
      </button>
      {verdict && (
        <div role="status" data-testid="verify-result" className={`verify-result ${verdict.ok ? "verify-ok" : "verify-broken"}`}>
          {verdict.ok
            ? t("Intact: {count} entries checked.", { count: fmtNumber(verdict.checked) })
            : verdict.first_bad_seq !== null
              ? t("Broken at entry {seq}: {reason}. {count} entries before it are intact.", { seq: verdict.first_bad_seq, reason: verdict.reason ?? "", count: fmtNumber(verdict.checked) })
              : t("Not verified: {reason}.", { reason: verdict.reason ?? "" })}
        </div>
      )}
      {error !== null && <ErrorState error={error} />}
    </div>
  );
}
