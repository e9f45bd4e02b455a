import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { PlanDetail, PlannedOp } from "./api";
import { colorScale, type ColorBy } from "./colors";
import { fmtPlanTime } from "./bits";
import { MaterialWaitRow } from "./materials";
import {
  DAY, HOUR, addDays, clampZoom, fitLabels, majorTicks, minorTicks, startOfDay, textWidth, weekends,
} from "./timeaxis";
import { fmtDecimal } from "../format";
import { t } from "../i18n";

export type GanttMode = "line" | "order";

interface Bar {
  op: PlannedOp;
  start: number;
  end: number;
  lead: number; // start of the setup before the operation
}

interface Row {
  key: string;
  lineId?: number;
  title: string;
  sub: string;
  late?: boolean;
  due?: number;
  bars: Bar[];
}

export interface MoveRequest {
  op: PlannedOp;
  start: Date;
  lineId: number;
}

interface Drag {
  op: PlannedOp;
  pointerId: number;
  x0: number;
  y0: number;
  row: number;
  dx: number;
  dy: number;
  moved: boolean;
}

const LABEL_W = 168;
const HEADER_H = 52;
const SNAP_MS = 5 * 60_000;

/** Fonts of the header rows (as schedule.css sets them), for measuring label widths. */
function headerFonts(): { major: string; minor: string; now: string } {
  const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const family = getComputedStyle(document.body).fontFamily || "sans-serif";
  return {
    major: `650 ${0.8 * rootPx}px ${family}`,
    minor: `400 ${0.72 * rootPx}px ${family}`,
    now: `700 ${0.7 * rootPx}px ${family}`,
  };
}
const fmtTime = { format: fmtPlanTime };

function toBar(op: PlannedOp): Bar {
  const start = Date.parse(op.start);
  return { op, start, end: Date.parse(op.end), lead: start - op.setup_s * 1000 };
}

function buildRows(plan: PlanDetail, mode: GanttMode): Row[] {
  if (mode === "line") {
    return plan.lines.map((l) => ({
      key: `line-${l.line_id}`,
      lineId: l.line_id,
      title: l.line_code,
      sub: `${l.line_name} · ${t("{count} ops", { count: l.operations.length })}`,
      bars: l.operations.map(toBar).sort((a, b) => a.start - b.start),
    }));
  }
  const byId = new Map<number, PlannedOp>();
  for (const l of plan.lines) for (const op of l.operations) byId.set(op.id, op);
  return plan.orders.map((o) => ({
    key: `order-${o.order_number}`,
    title: o.order_number,
    sub: o.product_code,
    late: o.late,
    due: o.due_date ? Date.parse(o.due_date) : undefined,
    bars: o.operation_ids.flatMap((id) => (byId.has(id) ? [toBar(byId.get(id)!)] : [])).sort((a, b) => a.start - b.start),
  }));
}

/** The plan's time span, whole days, with the due dates in view. */
function spanOf(plan: PlanDetail): [number, number] {
  let lo = Date.parse(plan.horizon_start);
  let hi = Date.parse(plan.horizon_end);
  for (const l of plan.lines) for (const op of l.operations) {
    lo = Math.min(lo, Date.parse(op.start) - op.setup_s * 1000);
    hi = Math.max(hi, Date.parse(op.end));
  }
  for (const o of plan.orders) if (o.due_date) hi = Math.max(hi, Date.parse(o.due_date));
  return [startOfDay(lo), addDays(startOfDay(hi), 1)];
}

/**
 * The plan as a Gantt chart: rows by line or by order, positioned divs, only the rows and
 * the time range in view are rendered (a plan with thousands of operations scrolls
 * smoothly). Header and row labels follow the body's scroll through transforms.
 * Bars of a draft can be dragged (mouse, pen or touch) to a new start and, by line, to
 * another line; the parent decides and answers with the outcome.
 */
export function Gantt({
  plan, mode, pxPerHour, onZoom, colorBy, familyOf, editable, onMove, onSelect, selectedId,
  highlightOps, pushedOps, lateOnly, now, scrollToNowSignal,
}: {
  plan: PlanDetail;
  mode: GanttMode;
  pxPerHour: number;
  onZoom: (px: number) => void;
  colorBy: ColorBy;
  familyOf: (productCode: string) => string;
  editable: boolean;
  onMove: (req: MoveRequest) => Promise<boolean>;
  onSelect: (op: PlannedOp | null) => void;
  selectedId: number | null;
  highlightOps: Set<number>;
  /** Operations the last move pushed along (operation ids), marked until the next. */
  pushedOps?: Set<number>;
  lateOnly: boolean;
  now: number;
  scrollToNowSignal: number;
}) {
  const rowH = mode === "line" ? 56 : 34;
  const rows = useMemo(() => buildRows(plan, mode), [plan, mode]);
  const [t0, t1] = useMemo(() => spanOf(plan), [plan]);
  const pxPerMs = pxPerHour / HOUR;
  const width = Math.ceil((t1 - t0) * pxPerMs);
  const height = rows.length * rowH;
  const x = (t: number) => (t - t0) * pxPerMs;

  const color = useMemo(() => {
    const families = plan.lines.flatMap((l) => l.operations.map((o) => familyOf(o.product_code)));
    const scale = colorScale(colorBy, families);
    return (op: PlannedOp) => scale(colorBy === "family" ? familyOf(op.product_code) : op.order_number);
  }, [plan, colorBy, familyOf]);

  const bodyRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const labelsRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ left: 0, top: 0, w: 1200, h: 600 });
  const frame = useRef(0);

  const syncScroll = useCallback(() => {
    const el = bodyRef.current;
    if (!el) return;
    if (headRef.current) headRef.current.style.transform = `translateX(${-el.scrollLeft}px)`;
    if (labelsRef.current) labelsRef.current.style.transform = `translateY(${-el.scrollTop}px)`;
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() =>
      setView({ left: el.scrollLeft, top: el.scrollTop, w: el.clientWidth, h: el.clientHeight }));
  }, []);

  useEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const obs = new ResizeObserver(syncScroll);
    obs.observe(el);
    return () => obs.disconnect();
  }, [syncScroll]);

  // Zoom keeps the instant under the pointer (or the middle) where it is.
  const anchor = useRef<{ t: number; px: number } | null>(null);
  const zoomAround = useCallback((next: number, clientX?: number) => {
    const el = bodyRef.current;
    if (!el) return onZoom(clampZoom(next));
    const px = clientX === undefined ? el.clientWidth / 2 : clientX - el.getBoundingClientRect().left;
    anchor.current = { t: t0 + (el.scrollLeft + px) / pxPerMs, px };
    onZoom(clampZoom(next));
  }, [onZoom, pxPerMs, t0]);

  // A zoom from outside (the preset buttons) keeps the middle of the view in place.
  const lastScale = useRef({ pxPerMs, t0 });
  useLayoutEffect(() => {
    const el = bodyRef.current;
    const prev = lastScale.current;
    lastScale.current = { pxPerMs, t0 };
    if (!el || (prev.pxPerMs === pxPerMs && !anchor.current)) return;
    const keep = anchor.current ?? { t: prev.t0 + (el.scrollLeft + el.clientWidth / 2) / prev.pxPerMs, px: el.clientWidth / 2 };
    el.scrollLeft = (keep.t - t0) * pxPerMs - keep.px;
    anchor.current = null;
    syncScroll();
  }, [pxPerMs, t0, syncScroll]);

  // Start at "now" (or the plan's start) once per plan, and when asked to.
  const scrolledFor = useRef<string>("");
  useLayoutEffect(() => {
    const el = bodyRef.current;
    const key = `${plan.id}:${scrollToNowSignal}`;
    if (!el || scrolledFor.current === key) return;
    scrolledFor.current = key;
    const target = now >= t0 && now <= t1 ? now : Date.parse(plan.horizon_start);
    el.scrollLeft = Math.max(0, x(target) - 80);
    syncScroll();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [plan.id, scrollToNowSignal]);

  // ctrl/⌘ + wheel (and trackpad pinch, which arrives as ctrl+wheel) zooms; two fingers pinch.
  useEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      zoomAround(pxPerHour * Math.exp(-e.deltaY * 0.0025), e.clientX);
    };
    let pinch: { d: number; px: number } | null = null;
    const dist = (t: TouchList) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
    const onTouchStart = (e: TouchEvent) => {
      if (e.touches.length === 2) pinch = { d: dist(e.touches), px: pxPerHour };
    };
    const onTouchMove = (e: TouchEvent) => {
      if (!pinch || e.touches.length !== 2) return;
      e.preventDefault();
      const mid = (e.touches[0].clientX + e.touches[1].clientX) / 2;
      zoomAround(pinch.px * (dist(e.touches) / pinch.d), mid);
    };
    const onTouchEnd = (e: TouchEvent) => {
      if (e.touches.length < 2) pinch = null;
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    el.addEventListener("touchstart", onTouchStart, { passive: true });
    el.addEventListener("touchmove", onTouchMove, { passive: false });
    el.addEventListener("touchend", onTouchEnd);
    return () => {
      el.removeEventListener("wheel", onWheel);
      el.removeEventListener("touchstart", onTouchStart);
      el.removeEventListener("touchmove", onTouchMove);
      el.removeEventListener("touchend", onTouchEnd);
    };
  }, [pxPerHour, zoomAround]);

  // --- dragging ---------------------------------------------------------------------
  const [drag, setDrag] = useState<Drag | null>(null);
  const [pending, setPending] = useState<{ opId: number; start: number; row: number } | null>(null);
  const [hover, setHover] = useState<{ op: PlannedOp; x: number; y: number } | null>(null);

  const dropOf = (d: Drag) => {
    const start = Math.round((Date.parse(d.op.start) + d.dx / pxPerMs) / SNAP_MS) * SNAP_MS;
    const row = mode === "line" ? Math.min(rows.length - 1, Math.max(0, d.row + Math.round(d.dy / rowH))) : d.row;
    return { start, row };
  };

  const onPointerDown = (e: React.PointerEvent, op: PlannedOp, row: number) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    setHover(null);
    setDrag({ op, pointerId: e.pointerId, x0: e.clientX, y0: e.clientY, row, dx: 0, dy: 0, moved: false });
  };
  const onPointerMove = (e: React.PointerEvent) => {
    if (!drag || e.pointerId !== drag.pointerId) return;
    const dx = e.clientX - drag.x0;
    const dy = e.clientY - drag.y0;
    const moved = drag.moved || Math.abs(dx) > 4 || Math.abs(dy) > 4;
    if (moved && (!editable || drag.op.frozen)) return;
    setDrag({ ...drag, dx, dy, moved });
  };
  const onPointerUp = async (e: React.PointerEvent) => {
    if (!drag || e.pointerId !== drag.pointerId) return;
    const d = drag;
    setDrag(null);
    if (!d.moved) {
      onSelect(selectedId === d.op.id ? null : d.op);
      return;
    }
    if (!editable || d.op.frozen) return;
    const { start, row } = dropOf(d);
    const lineId = rows[row].lineId ?? d.op.line_id;
    if (start === Date.parse(d.op.start) && lineId === d.op.line_id) return;
    setPending({ opId: d.op.id, start, row });
    try {
      await onMove({ op: d.op, start: new Date(start), lineId });
    } finally {
      setPending(null);
    }
  };

  // --- what is in view --------------------------------------------------------------
  const overscanX = view.w;
  const vFrom = t0 + (view.left - overscanX) / pxPerMs;
  const vTo = t0 + (view.left + view.w + overscanX) / pxPerMs;
  const firstRow = Math.max(0, Math.floor(view.top / rowH) - 4);
  const lastRow = Math.min(rows.length - 1, Math.ceil((view.top + view.h) / rowH) + 4);
  const visibleRows: [Row, number][] = [];
  for (let i = firstRow; i <= lastRow; i++) visibleRows.push([rows[i], i]);

  const headFrom = t0 + (view.left - 200) / pxPerMs;
  const headTo = t0 + (view.left + view.w + 200) / pxPerMs;
  const showNow = now >= t0 && now <= t1;
  // Header labels are measured and thinned so that none overprints its neighbour at any
  // zoom or language (a day's name wider than the day, a week label under the next).
  const fonts = useMemo(headerFonts, []);
  const majorW = (label: string) => textWidth(label, fonts.major) + 7; // padding + border
  const minorW = (label: string) => textWidth(label, fonts.minor) + 5;
  const nowW = textWidth(t("Now"), fonts.now) + 12;
  const nowSpan: [number, number][] = showNow ? [[x(now) - nowW / 2, x(now) + nowW / 2]] : [];
  const majorRow = majorTicks(Math.max(t0, headFrom - 7 * DAY), Math.min(t1, headTo), pxPerHour, majorW);
  // A week that began before the plan is labelled at the plan's start; where that label
  // would run into the next week's, the next week's (at its true place) wins.
  if (majorRow.length > 1 && x(majorRow[0].t) < 0 && majorW(majorRow[0].label) > x(majorRow[1].t)) {
    majorRow[0] = { ...majorRow[0], label: "" };
  }
  const majors = fitLabels(majorRow, (tk) => Math.max(0, x(tk.t)), majorW);
  const minors = fitLabels(
    minorTicks(Math.max(t0, headFrom), Math.min(t1, headTo), pxPerHour), (tk) => x(tk.t), minorW, nowSpan,
  );

  const renderBar = (bar: Bar, rowIndex: number): ReactNode => {
    const { op } = bar;
    const isDragged = drag?.op.id === op.id && drag.moved;
    const isPending = pending?.opId === op.id;
    let left = x(bar.lead);
    let top = 0;
    if (isDragged) {
      const drop = dropOf(drag);
      left += (drop.start - bar.start) * pxPerMs;
      top = (drop.row - rowIndex) * rowH;
    } else if (isPending) {
      left += (pending.start - bar.start) * pxPerMs;
      top = (pending.row - rowIndex) * rowH;
    }
    const w = Math.max(3, (bar.end - bar.lead) * pxPerMs);
    const setupW = (bar.start - bar.lead) * pxPerMs;
    const c = color(op);
    const classes = ["gbar"];
    if (op.late) classes.push("late");
    if (op.frozen) classes.push("frozen");
    if (editable && !op.frozen) classes.push("movable");
    if (isDragged) classes.push("dragging");
    if (isPending) classes.push("pending");
    if (selectedId === op.id) classes.push("selected");
    // A scenario's rush order has no order operation yet (operation_id null).
    if (op.operation_id !== null && highlightOps.has(op.operation_id)) classes.push("conflict");
    if (op.operation_id !== null && pushedOps?.has(op.operation_id)) classes.push("pushed");
    if (lateOnly && !op.late) classes.push("dim");
    const label = mode === "line" ? op.order_number : `${op.line_code} · ${op.name}`;
    return (
      <div key={op.id} className={classes.join(" ")} data-testid="gantt-bar"
        data-op={op.operation_id} data-start={op.start} data-order={op.order_number} data-line={op.line_code} data-late={op.late || undefined}
        style={{ left, width: w, top: top + 5, height: rowH - 10, ["--c" as string]: c }}
        role="button" tabIndex={0}
        aria-label={[
          t("{order} step {seq} {name} on {line}, {start} to {end}", {
            order: op.order_number, seq: String(op.seq), name: op.name, line: op.line_code ?? "—",
            start: fmtTime.format(bar.start), end: fmtTime.format(bar.end),
          }),
          ...(op.late ? [t("late")] : []), ...(op.frozen ? [t("frozen")] : []),
        ].join(", ")}
        onPointerDown={(e) => onPointerDown(e, op, rowIndex)}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDrag(null)}
        onPointerEnter={(e) => !drag && e.pointerType === "mouse" && setHover({ op, x: e.clientX, y: e.clientY })}
        onPointerLeave={() => setHover(null)}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            onSelect(op);
          }
        }}>
        {setupW >= 2 && <span className="gbar-setup" style={{ width: setupW }} />}
        <span className="gbar-body">
          {op.frozen && <span className="gbar-lock" aria-hidden="true" />}
          {w - setupW > 44 && <span className="gbar-text">{label}</span>}
          {mode === "line" && rowH >= 44 && w - setupW > 90 && <span className="gbar-sub">{op.seq}. {op.name}</span>}
        </span>
      </div>
    );
  };

  const dragInfo = drag?.moved && editable && !drag.op.frozen ? dropOf(drag) : null;

  return (
    <div className={`gantt gantt-${mode}`} data-testid="gantt" data-mode={mode} style={{ ["--label-w" as string]: `${LABEL_W}px`, ["--head-h" as string]: `${HEADER_H}px` }}>
      <div className="gantt-corner">
        <span>{mode === "line" ? t("Line") : t("Order")}</span>
        <span className="gantt-zoom" role="group" aria-label={t("Zoom")}>
          <button type="button" className="zoom-btn" aria-label={t("Zoom out")} title={t("Zoom out")} onClick={() => zoomAround(pxPerHour / 1.5)}>−</button>
          <button type="button" className="zoom-btn" aria-label={t("Zoom in")} title={t("Zoom in")} onClick={() => zoomAround(pxPerHour * 1.5)}>+</button>
        </span>
      </div>
      <div className="gantt-head-viewport">
        <div className="gantt-head" ref={headRef} style={{ width }}>
          {majors.map((tk) => (
            <div key={`M${tk.t}`} className="tick-major" style={{ left: Math.max(0, x(tk.t)) }} data-testid="tick-major">{tk.label}</div>
          ))}
          {minors.map((tk) => (
            <div key={`m${tk.t}`} className={`tick-minor${tk.major ? " day" : ""}`} style={{ left: x(tk.t) }} data-testid="tick-minor">{tk.label}</div>
          ))}
          {showNow && <div className="now-flag" style={{ left: x(now) }} data-testid="now-flag">{t("Now")}</div>}
        </div>
      </div>
      <div className="gantt-labels-viewport">
        <div className="gantt-labels" ref={labelsRef} style={{ height }}>
          {visibleRows.map(([row, i]) => (
            <div key={row.key} className={`gantt-label${row.late ? " late" : ""}`} style={{ top: i * rowH, height: rowH }}
              data-testid="gantt-row-label">
              <span className="gantt-label-title">{row.title}{row.late && <span className="late-pill">{t("Late")}</span>}</span>
              <span className="gantt-label-sub">{row.sub}</span>
            </div>
          ))}
        </div>
      </div>
      <div className="gantt-body" ref={bodyRef} onScroll={syncScroll} tabIndex={0} aria-label={t("Gantt chart; scroll sideways for time")}>
        <div className="gantt-canvas" style={{ width, height }}>
          {weekends(Math.max(t0, vFrom), Math.min(t1, vTo)).map(([a, b]) => (
            <div key={a} className="gantt-weekend" style={{ left: x(a), width: (b - a) * pxPerMs }} />
          ))}
          {minors.map((tk) => <div key={tk.t} className={`gantt-grid${tk.major ? " day" : ""}`} style={{ left: x(tk.t) }} />)}
          {visibleRows.map(([row, i]) => (
            <div key={row.key} className="gantt-row" style={{ top: i * rowH, height: rowH }}>
              {row.due !== undefined && (
                <div className="due-marker" style={{ left: x(row.due) }} title={t("Due {time}", { time: fmtTime.format(row.due) })} data-testid="due-marker" />
              )}
              {row.bars.filter((b) => b.end >= vFrom && b.lead <= vTo || drag?.op.id === b.op.id || pending?.opId === b.op.id)
                .map((b) => renderBar(b, i))}
            </div>
          ))}
          {showNow && <div className="now-line" style={{ left: x(now) }} data-testid="now-line" />}
          {dragInfo && (
            <div className="drag-tip" style={{ left: x(dragInfo.start) + 4, top: dragInfo.row * rowH - 22 }}>
              {fmtTime.format(dragInfo.start)}{mode === "line" && rows[dragInfo.row].lineId !== drag!.op.line_id ? ` → ${rows[dragInfo.row].title}` : ""}
            </div>
          )}
        </div>
      </div>
      {hover && <OpTooltip op={hover.op} x={hover.x} y={hover.y} />}
    </div>
  );
}

function OpTooltip({ op, x, y }: { op: PlannedOp; x: number; y: number }) {
  const left = Math.min(x + 14, window.innerWidth - 300);
  return (
    <div className="gantt-tip" style={{ left, top: y + 16 }} role="tooltip" data-testid="gantt-tooltip">
      <OpFacts op={op} />
    </div>
  );
}

export function OpFacts({ op }: { op: PlannedOp }) {
  const dur = (Date.parse(op.end) - Date.parse(op.start)) / 60_000;
  return (
    <>
      <div className="tip-title">
        <strong>{op.order_number}</strong> · {op.product_code}
        {op.late && <span className="late-pill">{t("Late")}</span>}
        {op.frozen && <span className="frozen-pill">{t("Frozen")}</span>}
      </div>
      <div className="tip-row">{t("Step {seq}: {name} on {line}", { seq: String(op.seq), name: op.name, line: op.line_code ?? "—" })}</div>
      <div className="tip-row">{fmtTime.format(Date.parse(op.start))} → {fmtTime.format(Date.parse(op.end))} ({dur >= 120 ? `${fmtDecimal(dur / 60)} h` : `${Math.round(dur)} min`})</div>
      {op.setup_s > 0 && <div className="tip-row">{t("Setup before: {minutes} min", { minutes: Math.round(op.setup_s / 60) })}</div>}
      {op.due_date && <div className="tip-row">{t("Order due {time}", { time: fmtTime.format(Date.parse(op.due_date)) })}</div>}
      <MaterialWaitRow wait={op.material_wait} />
    </>
  );
}
