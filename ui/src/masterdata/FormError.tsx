import { ApiError } from "../api";
import { t } from "../i18n";

/** The message the server gave for one field (problem+json `errors[]`), if any. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldMessage(field) : undefined;
}

/**
 * A failed save, above the form: the server's `detail`, and the field problems that no
 * input of the form shows next to itself (`shown` lists the fields that do).
 */
export function FormError({ error, shown = [] }: { error: unknown; shown?: string[] }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const rest = api ? api.errors.filter((e) => !shown.includes(e.field)) : [];
  const detail = api ? api.detail || api.title : error instanceof Error ? error.message : String(error);
  return (
    <div className="form-error" role="alert" data-testid="form-error">
      <div>{api?.status === 403 ? t("Not allowed") : t("Not saved: {detail}", { detail })}</div>
      {rest.length > 0 && (
        <ul className="field-errors">
          {rest.map((e, i) => <li key={i}><code>{e.field}</code>: {e.message}</li>)}
        </ul>
      )}
    </div>
  );
}
