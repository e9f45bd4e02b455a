import { useEffect, useRef, type ReactNode } from "react";
import type { PlanSummary } from "./api";
import { dateFormat, fmtDecimal } from "../format";
import { msg, t } from "../i18n";

export const TIME_LIMITS = [2, 5, 10, 30, 60, 120, 300];


/** The one way planning screens write an instant: "Mon, Dec 7, 06:00" / "Mo., 7. Dez., 06:00", in the site's zone. */
export const PLAN_TIME: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };

export function fmtPlanTime(ms: number): string {
  return dateFormat(PLAN_TIME).format(ms);
}

export function fmtWhen(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? "—" : fmtPlanTime(t);
}

export function fmtHours(seconds: number): string {
  const h = seconds / 3600;
  if (Math.abs(h) >= 48) return t("{days} d", { days: fmtDecimal(h / 24) });
  if (Math.abs(h) >= 1) return `${fmtDecimal(h)} h`;
  return `${Math.round(seconds / 60)} min`;
}

const KIND_LABEL: Record<string, string> = {
  optimized: msg("Optimized"), heuristic: msg("Quick plan"), proposal: msg("Proposal"), manual: msg("Manual"), adopted: msg("From scenario"),
};
const PLAN_STATUS: Record<string, string> = {
  draft: msg("Draft"), published: msg("Published"), superseded: msg("Superseded"), discarded: msg("Discarded"), archived: msg("Archived"),
};
const planStatus = (s: string) => (PLAN_STATUS[s] ? t(PLAN_STATUS[s]) : s);

/** "Optimized", "Quick plan", … for a plan's kind. */
export function planKindLabel(kind: string): string {
  return KIND_LABEL[kind] ? t(KIND_LABEL[kind]) : kind;
}

export function planLabel(p: PlanSummary): string {
  return `#${p.id} ${KIND_LABEL[p.kind] ? t(KIND_LABEL[p.kind]) : p.kind} · ${planStatus(p.status)} · ${fmtWhen(p.created_at)}`;
}

export function PlanStatusBadge({ plan }: { plan: PlanSummary }) {
  const cls = plan.status === "published" ? "pl-published" : plan.proposal && plan.status === "draft" ? "pl-proposal" : `pl-${plan.status}`;
  const text = plan.proposal && plan.status === "draft" ? t("Proposal") : planStatus(plan.status);
  return <span className={`badge plan-badge ${cls}`} data-testid="plan-status">{text}</span>;
}

export function TimeLimitSelect({ value, onChange, id }: { value: number; onChange: (v: number) => void; id: string }) {
  return (
    <label className="inline-field" htmlFor={id}>
      <span>{t("Time limit")}</span>
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
          <button type="button" className="btn" onClick={onCancel}>{t("Cancel")}</button>
          <button type="button" className="btn btn-primary" ref={ref} onClick={onConfirm} disabled={busy}>{confirmLabel}</button>
        </div>
      </div>
    </div>
  );
}
