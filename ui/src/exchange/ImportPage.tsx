// Import master data and orders from CSV or XLSX in two steps: check the file (every
// error at once, by row and column, and what each row would do), then import it whole.
// A file with any error is never written; fix it and check it again.
import { useState } from "react";
import { fetchFile, saveFile, uploadFile, type Schemas } from "../api";
import { PageHeader } from "../components/PageHeader";
import { ErrorState } from "../components/States";
import { msg, t, useT } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import "./exchange.css";

type Preview = Schemas["ImportPreviewOut"];
type Imported = Schemas["ImportOut"];
type RowError = Schemas["RowErrorOut"];

const SHEETS: { value: string; label: string }[] = [
  { value: "products", label: msg("Products") },
  { value: "materials", label: msg("Materials") },
  { value: "routings", label: msg("Routings") },
  { value: "bom", label: msg("Bills of materials") },
  { value: "operators", label: msg("Operators") },
  { value: "orders", label: msg("Orders") },
];

const LOCALES: { value: string; label: string }[] = [
  { value: "iso", label: msg("ISO only (2026-12-18, 1234.5)") },
  { value: "de", label: msg("German (18.12.2026, 1.234,5)") },
  { value: "en", label: msg("US English (12/18/2026, 1,234.5)") },
];

const ACTIONS: Record<string, string> = {
  create: msg("new"),
  update: msg("update"),
  error: msg("error"),
  skip: msg("skipped"),
};

export function ImportPage() {
  useT();
  const allowed = useCan("import");
  const denied = useDeniedReason("import");
  const [sheet, setSheet] = useState("orders");
  const [locale, setLocale] = useState("iso");
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [done, setDone] = useState<Imported | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const reset = () => {
    setPreview(null);
    setDone(null);
    setError(null);
  };

  const check = async (chosen: File | null = file) => {
    if (!chosen) return;
    reset();
    setBusy(true);
    try {
      setPreview(await uploadFile<Preview>(`/import/${sheet}/preview`, { locale }, chosen));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const commit = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setDone(await uploadFile<Imported>(`/import/${sheet}`, { locale }, file));
      setPreview(null);
    } catch (e) {
      // Someone changed the data since the check: show the new errors as a problem.
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const template = async (format: "csv" | "xlsx") => {
    try {
      saveFile(await fetchFile("GET", `/import/${sheet}/template`, { format }));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <>
      <PageHeader title={t("Import")}
        subtitle={t("Check a spreadsheet first: every error is listed with its row and column. Nothing is imported until the whole file is correct.")} />
      {!allowed ? (
        <div className="notice">{denied}</div>
      ) : (
        <>
          <section className="panel import-form">
            <label className="field">
              <span>{t("What the file holds")}</span>
              <select className="input" data-testid="import-sheet" value={sheet}
                onChange={(e) => { setSheet(e.target.value); reset(); }}>
                {SHEETS.map((s) => <option key={s.value} value={s.value}>{t(s.label)}</option>)}
              </select>
            </label>
            <label className="field">
              <span>{t("Dates and numbers written as")}</span>
              <select className="input" data-testid="import-locale" value={locale}
                onChange={(e) => { setLocale(e.target.value); reset(); }}>
                {LOCALES.map((l) => <option key={l.value} value={l.value}>{t(l.label)}</option>)}
              </select>
            </label>
            <label className="field">
              <span>{t("File (CSV or XLSX)")}</span>
              <input type="file" className="input" data-testid="import-file" accept=".csv,.xlsx,text/csv"
                onChange={(e) => {
                  const chosen = e.target.files?.[0] ?? null;
                  setFile(chosen);
                  // Choosing the file again after fixing it checks it again at once.
                  void check(chosen);
                  e.target.value = "";
                }} />
            </label>
            <div className="import-actions">
              <button type="button" className="btn" disabled={!file || busy} onClick={() => void check()}>
                {t("Check again")}
              </button>
              <span className="muted">{t("Template:")}</span>
              <button type="button" className="btn" data-testid="template-csv" onClick={() => void template("csv")}>{t("CSV")}</button>
              <button type="button" className="btn" data-testid="template-xlsx" onClick={() => void template("xlsx")}>{t("XLSX")}</button>
            </div>
          </section>
          {busy && <div className="state" role="status"><span className="spinner" aria-hidden="true" />{t("Working…")}</div>}
          {error !== null && <ErrorState error={error} />}
          {done && (
            <div className="notice import-done" role="status" data-testid="import-done">
              {t("Imported {file}: {created} created, {updated} updated.", {
                file: file?.name ?? "", created: done.created, updated: done.updated,
              })}
            </div>
          )}
          {preview && <PreviewView preview={preview} fileName={file?.name ?? ""} busy={busy} onCommit={() => void commit()} />}
        </>
      )}
    </>
  );
}

function PreviewView({ preview, fileName, busy, onCommit }: {
  preview: Preview;
  fileName: string;
  busy: boolean;
  onCommit: () => void;
}) {
  const byCell = new Map<string, RowError[]>();
  for (const e of preview.errors) {
    const key = `${e.row}:${e.column}`;
    byCell.set(key, [...(byCell.get(key) ?? []), e]);
  }
  const badRows = new Set(preview.errors.map((e) => e.row));
  return (
    <section className="panel" data-testid="import-preview">
      {preview.valid ? (
        <div className="import-summary" data-testid="import-summary">
          <span>{t("{file} is correct: {count} rows, {created} new, {updated} updated.", {
            file: fileName, count: preview.rows, created: preview.created, updated: preview.updated,
          })}</span>
          <button type="button" className="btn btn-primary" data-testid="import-commit" disabled={busy} onClick={onCommit}>
            {t("Import {count} rows", { count: preview.rows })}
          </button>
        </div>
      ) : (
        <>
          <div className="import-summary text-late" data-testid="import-summary">
            {t("{errors} errors in {rows} rows. Nothing can be imported until they are fixed: correct the file and choose it again.", {
              errors: preview.errors.length, rows: badRows.size,
            })}
          </div>
          <ul className="import-errors" data-testid="import-errors">
            {preview.errors.map((e, i) => (
              <li key={i} data-row={e.row} data-column={e.column}>
                {t("Row {row}, column {column}: {message}", { row: e.row, column: e.column, message: e.message })}
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="table-wrap">
        <table className="table import-table">
          <thead>
            <tr>
              <th>{t("Row")}</th>
              <th>{t("Result")}</th>
              {preview.columns.map((c) => <th key={c} className="mono">{c}</th>)}
            </tr>
          </thead>
          <tbody>
            {preview.preview.map((r) => (
              <tr key={r.row} data-row={r.row} className={r.action === "error" ? "import-row-error" : undefined}>
                <td>{r.row}</td>
                <td>{t(ACTIONS[r.action] ?? r.action)}</td>
                {r.cells.map((cell, i) => {
                  const errors = byCell.get(`${r.row}:${preview.columns[i]}`);
                  return (
                    <td key={i} data-column={preview.columns[i]}
                      className={errors ? "import-cell-error" : undefined}
                      title={errors?.map((e) => e.message).join("; ")}>
                      {cell}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.preview_truncated && (
        <p className="muted">{t("Only the first rows and every row with an error are shown.")}</p>
      )}
    </section>
  );
}
