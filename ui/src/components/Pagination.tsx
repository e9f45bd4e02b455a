import { t } from "../i18n";

export function Pagination({ offset, limit, total, onChange }: {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
}) {
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav className="pagination" aria-label={t("Pagination")}>
      <span className="muted">
        {t("{first}–{last} of {total}", { first, last, total })}
      </span>
      <div className="pagination-buttons">
        <button type="button" className="btn" disabled={offset === 0}
          onClick={() => onChange(Math.max(0, offset - limit))}>
          {t("‹ Previous")}
        </button>
        <span className="muted">{t("Page {page} of {pages}", { page, pages })}</span>
        <button type="button" className="btn" disabled={offset + limit >= total}
          onClick={() => onChange(offset + limit)}>
          {t("Next ›")}
        </button>
      </div>
    </nav>
  );
}
