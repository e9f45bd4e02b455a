import { useEffect, useRef, type ReactNode } from "react";
import type { PlanSummary } from "./api";

export const TIME_LIMITS = [2, 5, 10, 30, 60, 120, 300];

const fmtShort = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

export function fmtWhen(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? "—" : fmtShort.format(t);
}

export function fmtHours(seconds: number): string {
  const h = seconds / 3600;
  if (Math.abs(h) >= 48) return `${(h / 24).toFixed(1)} d`;
  if (Math.abs(h) >= 1) return `${h.toFixed(1)} h`;
  return `${Math.round(seconds / 60)} min`;
}

const KIND_LABEL: Record<string, string> = { optimized: "Optimized", heuristic: "Quick plan", proposal: "Proposal", manual: "Manual", adopted: "From scenario" };

export function planLabel(p: PlanSummary): string {
  return `#${p.id} ${KIND_LABEL[p.kind] ?? p.kind} · ${p.status} · ${fmtWhen(p.created_at)}`;
}

export function PlanStatusBadge({ plan }: { plan: PlanSummary }) {
  const cls = plan.status === "published" ? "pl-published" : plan.proposal && plan.status === "draft" ? "pl-proposal" : `pl-${plan.status}`;
  const text = plan.proposal && plan.status === "draft" ? "Proposal" : plan.status.charAt(0).toUpperCase() + plan.status.slice(1);
  return <span className={`badge plan-badge ${cls}`} data-testid="plan-status">{text}</span>;
}

export function TimeLimitSelect({ value, onChange, id }: { value: number; onChange: (v: number) => void; id: string }) {
  return (
    <label className="inline-field" htmlFor={id}>
      <span>Time limit</span>
      <select id={id} className="input select-compact" value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {TIME_LIMITS.map((s) => <option key={s} value={s}>{s < 60 ? `${s} s` : `${s / 60} min`}</option>)}
      </select>
    </label>
  );
}

/** A small modal asking to confirm; Escape or the backdrop cancels. */
export function Confirm({ title, children, confirmLabel, onConfirm, onCancel, busy }: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onCancel();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onCancel]);
  return (
    <div className="modal-backdrop" onClick={onCancel}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="confirm-title">{title}</h2>
        <div className="modal-body">{children}</div>
        <div className="modal-actions">
          <button type="button" className="btn" onClick={onCancel}>Cancel</button>
          <button type="button" className="btn btn-primary" ref={ref} onClick={onConfirm} disabled={busy}>{confirmLabel}</button>
        </div>
      </div>
    </div>
  );
}
