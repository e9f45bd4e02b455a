import { useState } from "react";
import { listReasonCodes, type ReasonCategory, type ReasonCode } from "../api";
import { ExportButton, type ExportTable } from "../components/ExportButton";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useApi } from "../useApi";
import { msg, t } from "../i18n";
import { useCan } from "../session";
import { resource, type Values } from "../masterdata/api";
import { DeleteButton, EditButton } from "../masterdata/DeleteButton";
import { RecordForm, type FieldSpec } from "../masterdata/RecordForm";
import "../masterdata/masterdata.css";

const CATEGORIES: (ReasonCategory | "all")[] = ["all", "downtime", "scrap", "rework"];
const LABEL: Record<string, string> = { all: msg("All"), downtime: msg("Downtime"), scrap: msg("Scrap"), rework: msg("Rework") };
const reasonApi = resource<ReasonCode>("/reason-codes");

interface Editor {
  record?: ReasonCode;
  defaults?: Values;
}

/** The codes and everything below them (a code cannot move under itself). */
function subtree(all: ReasonCode[], id: number): Set<number> {
  const out = new Set([id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of all) {
      if (c.parent_id !== null && out.has(c.parent_id) && !out.has(c.id)) {
        out.add(c.id);
        grew = true;
      }
    }
  }
  return out;
}

/** The codes the page shows (the category filter applied), each with its parent's code and
 * its path from the top, so the tree survives in a flat sheet. */
function reasonCodesTable(all: ReasonCode[], shown: (c: ReasonCode) => boolean): ExportTable {
  const byId = new Map(all.map((c) => [c.id, c]));
  const path = (c: ReasonCode): string => {
    const names = [c.name];
    for (let p = c.parent_id === null ? undefined : byId.get(c.parent_id); p && names.length < 50; p = p.parent_id === null ? undefined : byId.get(p.parent_id)) names.unshift(p.name);
    return names.join(" › ");
  };
  return {
    title: t("Reason codes"),
    columns: [t("Code"), t("Name"), t("Category"), t("Machine class"), t("Parent"), t("Path")],
    rows: all.filter(shown).map((c) => [
      c.code, c.name, t(LABEL[c.category]), c.machine_class ?? "",
      c.parent_id === null ? "" : byId.get(c.parent_id)?.code ?? "", path(c),
    ]),
  };
}

/** Reason codes as a tree (parent → children); planners and administrators edit and move them. */
export function ReasonCodesPage() {
  const codes = useApi(listReasonCodes, []);
  const canWrite = useCan("masterdata:write");
  const [category, setCategory] = useState<ReasonCategory | "all">("all");
  const [editor, setEditor] = useState<Editor | null>(null);
  const header = (
    <PageHeader title={t("Reason codes")} subtitle={t("Why machines stop and why parts are scrapped or reworked.")}
      actions={<>
        {codes.data && codes.data.length > 0 && <ExportButton label={t("Reason codes")}
          table={() => reasonCodesTable(codes.data!, (c) => category === "all" || c.category === category)} />}
        {canWrite && <button type="button" className="btn btn-primary" onClick={() => setEditor({ defaults: { category: category === "all" ? "downtime" : category } })}>{t("New reason code")}</button>}
      </>} />
  );
  if (codes.error) return <>{header}<ErrorState error={codes.error} onRetry={codes.reload} /></>;
  if (!codes.data) return <>{header}<Loading /></>;
  const all = codes.data;
  const shown = all.filter((c) => category === "all" || c.category === category);
  const shownIds = new Set(shown.map((c) => c.id));
  // A code whose parent is filtered out (another category) is shown as a root.
  const roots = shown.filter((c) => c.parent_id === null || !shownIds.has(c.parent_id));
  const children = (id: number) => shown.filter((c) => c.parent_id === id);

  const fields = (record?: ReasonCode): FieldSpec[] => {
    const excluded = record ? subtree(all, record.id) : new Set<number>();
    return [
      { name: "code", label: t("Code") },
      { name: "name", label: t("Name") },
      { name: "category", label: t("Category"), kind: "select", options: (["downtime", "scrap", "rework"] as const).map((c) => ({ value: c, label: t(LABEL[c]) })) },
      { name: "machine_class", label: t("Machine class"), kind: "optional-text", hint: t("Empty: any machine") },
      { name: "parent_id", label: t("Parent"), kind: "ref", none: t("— none (top level) —"),
        options: all.filter((c) => !excluded.has(c.id)).map((c) => ({ value: c.id, label: `${c.code} — ${c.name}` })) },
    ];
  };

  const node = (c: ReasonCode) => (
    <li key={c.id} data-testid="reason-node" data-code={c.code}>
      <div className="rc-node">
        <span className="strong mono">{c.code}</span>
        <span>{c.name}</span>
        <span className={`badge cat-${c.category}`}>{t(LABEL[c.category])}</span>
        {c.machine_class && <span className="muted">{c.machine_class}</span>}
        {canWrite && (
          <span className="md-actions">
            <EditButton what={c.code} onClick={() => setEditor({ record: c })} />
            <button type="button" className="btn-link" aria-label={t("Add a code under {what}", { what: c.code })}
              onClick={() => setEditor({ defaults: { parent_id: c.id, category: c.category, machine_class: c.machine_class } })}>
              {t("Add child")}
            </button>
            <DeleteButton what={c.code} onDelete={() => reasonApi.remove(c.id)} onDeleted={codes.reload} />
          </span>
        )}
      </div>
      {children(c.id).length > 0 && <ul>{children(c.id).map(node)}</ul>}
    </li>
  );

  return (
    <>
      {header}
      {editor && (
        <RecordForm key={editor.record?.id ?? `new-${String(editor.defaults?.parent_id ?? "")}`}
          title={editor.record ? t("Edit reason code {code}", { code: editor.record.code }) : t("New reason code")}
          fields={fields(editor.record)} resource={reasonApi} record={editor.record} defaults={editor.defaults}
          onCancel={() => setEditor(null)} onDone={() => { setEditor(null); codes.reload(); }} />
      )}
      <div className="filter-chips" role="group" aria-label={t("Filter by category")}>
        {CATEGORIES.map((c) => (
          <button key={c} type="button" className={`filter-chip${category === c ? " on" : ""}`}
            aria-pressed={category === c} onClick={() => setCategory(c)}>
            {t(LABEL[c])} <span className="count">{c === "all" ? all.length : all.filter((x) => x.category === c).length}</span>
          </button>
        ))}
      </div>
      {shown.length === 0 ? <Empty>{category === "all" ? t("No reason codes.") : t("No reason codes in “{category}”.", { category: t(LABEL[category]) })}</Empty> : (
        <section className="panel">
          <ul className="rc-tree" data-testid="reason-tree">{roots.map(node)}</ul>
        </section>
      )}
    </>
  );
}
