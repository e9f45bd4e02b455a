// Undo and redo of moves on the Gantt. Each move's answer says where the operation and
// everything it pushed were before and are now; undo sends the "before" places back to
// the server (POST /plans/{id}/restore, one validated write), redo the "after" places.
import { useEffect, useState } from "react";
import type { MoveReport, Placement } from "./api";

/** How many moves can be undone. */
export const HISTORY_LIMIT = 20;

export interface HistoryStep {
  /** What the move did, in words ("PO-1 step 2 to SMT-1, Mon 7 Dec 06:00"). */
  label: string;
  undo: Placement[];
  redo: Placement[];
}

export interface History {
  past: HistoryStep[];
  future: HistoryStep[];
}

export const EMPTY_HISTORY: History = { past: [], future: [] };

/** The step of a move: every operation it changed, where it was and where it is. */
export function stepOf(report: MoveReport, label: string): HistoryStep | null {
  if (report.operation_id === null) return null;
  const undo: Placement[] = [{ operation_id: report.operation_id, line_id: report.from.line_id, start: report.from.start }];
  const redo: Placement[] = [{ operation_id: report.operation_id, line_id: report.to.line_id, start: report.to.start }];
  for (const p of report.pushed) {
    if (p.operation_id === null) continue;
    undo.push({ operation_id: p.operation_id, line_id: p.line_id, start: p.from_start });
    redo.push({ operation_id: p.operation_id, line_id: p.line_id, start: p.to_start });
  }
  return { label, undo, redo };
}

/** A new move: remembered (the oldest beyond the limit forgotten); redo is no longer possible. */
export function recorded(h: History, step: HistoryStep): History {
  return { past: [...h.past, step].slice(-HISTORY_LIMIT), future: [] };
}

export function undone(h: History): History {
  const step = h.past[h.past.length - 1];
  return step ? { past: h.past.slice(0, -1), future: [step, ...h.future] } : h;
}

export function redone(h: History): History {
  const [step, ...rest] = h.future;
  return step ? { past: [...h.past, step], future: rest } : h;
}

/** Ctrl+Z (⌘Z) undoes, Ctrl+Shift+Z or Ctrl+Y redoes; not while typing in a field. */
export function useUndoKeys(onUndo: () => void, onRedo: () => void, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) {
        e.preventDefault();
        onUndo();
      } else if (key === "y" || (key === "z" && e.shiftKey)) {
        e.preventDefault();
        onRedo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onUndo, onRedo, enabled]);
}

/** The history of one plan: forgotten when another plan is shown. */
export function usePlanHistory(planId: number | null): [History, (f: (h: History) => History) => void] {
  const [state, setState] = useState<{ planId: number | null; history: History }>({ planId, history: EMPTY_HISTORY });
  const history = state.planId === planId ? state.history : EMPTY_HISTORY;
  const update = (f: (h: History) => History) =>
    setState((s) => ({ planId, history: f(s.planId === planId ? s.history : EMPTY_HISTORY) }));
  return [history, update];
}
