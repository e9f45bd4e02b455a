import { fmtNumber } from "../format";

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
    <nav className="pagination" aria-label="Pagination">
      <span className="muted">
        {fmtNumber(first)}–{fmtNumber(last)} of {fmtNumber(total)}
      </span>
      <div className="pagination-buttons">
        <button type="button" className="btn" disabled={offset === 0}
          onClick={() => onChange(Math.max(0, offset - limit))}>
          ‹ Previous
        </button>
        <span className="muted">Page {page} of {pages}</span>
        <button type="button" className="btn" disabled={offset + limit >= total}
          onClick={() => onChange(offset + limit)}>
          Next ›
        </button>
      </div>
    </nav>
  );
}
