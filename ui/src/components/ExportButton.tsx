// Export a table as the page shows it (filters applied, names not ids, times in the site's
// zone) to CSV or XLSX. The page says how to build the table; the server writes the file
// (POST /export/table), so CSV and XLSX follow one set of rules (formulas made inert).
import { useState } from "react";
import { ApiError, fetchFile, saveFile } from "../api";
import { t } from "../i18n";
import { useCan } from "../session";
import "../exchange/exchange.css";

export type ExportCell = string | number | boolean | null;

export interface ExportTable {
  /** The file's and the sheet's name, e.g. "Orders". */
  title: string;
  /** Column titles as the page shows them; a time column names its zone. */
  columns: string[];
  rows: ExportCell[][];
}

/** Two small buttons, CSV and XLSX, shown only to roles that may export. */
export function ExportButton({ table, label }: {
  /** Builds the table when clicked (it may fetch every page of a paged list). */
  table: () => ExportTable | Promise<ExportTable>;
  /** What is exported, for screen readers and the tooltip, e.g. "Pareto". */
  label?: string;
}) {
  const allowed = useCan("export");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!allowed) return null;
  const what = label ?? t("this table");
  const run = async (format: "csv" | "xlsx") => {
    setBusy(true);
    setError(null);
    try {
      const body = await table();
      saveFile(await fetchFile("POST", "/export/table", { format }, body));
    } catch (e) {
      setError(e instanceof ApiError ? e.detail || e.title : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="export-button" role="group" aria-label={t("Export {what}", { what })}>
      {/* Named when given: two export groups side by side (KPI figures, line figures) read apart. */}
      <span className="muted">{label ? t("Export {what}", { what }) : t("Export")}</span>
      <button type="button" className="btn" disabled={busy} onClick={() => void run("csv")}
        title={t("Download {what} as CSV", { what })}>
        {t("CSV")}
      </button>
      <button type="button" className="btn" disabled={busy} onClick={() => void run("xlsx")}
        title={t("Download {what} as Excel workbook", { what })}>
        {t("XLSX")}
      </button>
      {error && <span className="form-error" role="alert">{error}</span>}
    </span>
  );
}
