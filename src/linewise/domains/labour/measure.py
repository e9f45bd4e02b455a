"""Labour time, ISO 22400 worker efficiency and idle causes, computed from plain data.

Pure: windows and tuples in, figures out, so the rules below are tested without a
database.

- Attendance (APAT, actual personnel attendance time) is the operator's clock entries
  clipped to the shift.
- Work (APWT, actual personnel work time) is the time the operator had an operation
  running at the terminal: from their own ``start`` or ``resume`` to the next ``hold``
  or ``complete`` of that operation (whoever taps it), clipped to their attendance.
  Several operations at once count once in APWT and each in its own labour time.
- Worker efficiency = APWT / APAT (ISO 22400-2), None without attendance.
- Idle = attendance minus work; each moment of it gets one cause, the first that holds
  in this order: not on the board this shift → ``no_assignment``; a machine of the
  station down (or in a planned stop) → ``machine_down``; an open material andon call
  on the line → ``no_material``; a machine in setup → ``waiting_setup``; a machine idle
  as starved → ``starved``, as blocked → ``blocked``; otherwise (on the board, the
  station fine, no operation running) → ``no_assignment`` (no work given).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from linewise.kpi.intervals import TimeWindow, merge_windows


class IdleCause(StrEnum):
    """SEMI E10 standby / IPC-CFX idle causes this data can tell apart."""

    NO_ASSIGNMENT = "no_assignment"
    MACHINE_DOWN = "machine_down"
    STARVED = "starved"
    BLOCKED = "blocked"
    NO_MATERIAL = "no_material"
    WAITING_SETUP = "waiting_setup"


@dataclass(frozen=True)
class Action:
    at: datetime
    kind: str  # start | hold | resume | complete | report
    operation_id: int
    operator_id: int | None  # None: someone who is not an operator (a supervisor)


@dataclass(frozen=True)
class StateSpan:
    window: TimeWindow
    state: str
    reason: str | None = None


@dataclass
class OperatorLabour:
    operator_id: int
    attendance_s: float = 0.0
    work_s: float = 0.0
    idle_s: dict[IdleCause, float] = field(default_factory=dict)
    operations_s: dict[int, float] = field(default_factory=dict)

    @property
    def efficiency(self) -> float | None:
        return self.work_s / self.attendance_s if self.attendance_s > 0 else None


def work_segments(
    actions: Iterable[Action], until: datetime
) -> dict[int, list[tuple[int, TimeWindow]]]:
    """Per operator: (operation, window) for each stretch with the operation running."""
    by_op: dict[int, list[Action]] = defaultdict(list)
    for a in actions:
        by_op[a.operation_id].append(a)
    out: dict[int, list[tuple[int, TimeWindow]]] = defaultdict(list)
    for op_id, acts in by_op.items():
        active: dict[int, datetime] = {}
        for a in sorted(acts, key=lambda x: x.at):
            if a.kind in ("start", "resume") and a.operator_id is not None:
                active.setdefault(a.operator_id, a.at)
            elif a.kind in ("hold", "complete"):
                for who, since in active.items():
                    if a.at > since:
                        out[who].append((op_id, TimeWindow(since, a.at)))
                active = {}
        for who, since in active.items():
            if until > since:
                out[who].append((op_id, TimeWindow(since, until)))
    return out


def _clip(windows: Iterable[TimeWindow], within: Sequence[TimeWindow]) -> list[TimeWindow]:
    out = []
    for w in windows:
        for c in within:
            if (o := w.overlap(c)) is not None and o.duration.total_seconds() > 0:
                out.append(o)
    return out


def _minus(base: Sequence[TimeWindow], cut: Sequence[TimeWindow]) -> list[TimeWindow]:
    """``base`` without ``cut`` (both merged first)."""
    out: list[TimeWindow] = []
    cuts = merge_windows(cut)
    for w in merge_windows(base):
        start = w.start
        for c in cuts:
            if c.end <= start or c.start >= w.end:
                continue
            if c.start > start:
                out.append(TimeWindow(start, c.start))
            start = max(start, c.end)
        if start < w.end:
            out.append(TimeWindow(start, w.end))
    return out


def _seconds(windows: Iterable[TimeWindow]) -> float:
    return sum(w.duration.total_seconds() for w in merge_windows(windows))


def cause_at(
    t: datetime, assigned: bool, states: Sequence[StateSpan], material: Sequence[TimeWindow]
) -> IdleCause:
    if not assigned:
        return IdleCause.NO_ASSIGNMENT
    now = [s for s in states if s.window.contains(t)]
    if any(s.state in ("down", "planned_stop") for s in now):
        return IdleCause.MACHINE_DOWN
    if any(w.contains(t) for w in material):
        return IdleCause.NO_MATERIAL
    if any(s.state == "setup" for s in now):
        return IdleCause.WAITING_SETUP
    if any(s.state == "idle" and s.reason == "starved" for s in now):
        return IdleCause.STARVED
    if any(s.state == "idle" and s.reason == "blocked" for s in now):
        return IdleCause.BLOCKED
    return IdleCause.NO_ASSIGNMENT


def idle_by_cause(
    idle: Sequence[TimeWindow],
    assigned: bool,
    states: Sequence[StateSpan],
    material: Sequence[TimeWindow],
) -> dict[IdleCause, float]:
    """Seconds of ``idle`` per cause (see the module rules)."""
    out: dict[IdleCause, float] = defaultdict(float)
    for piece in idle:
        cuts = {piece.start, piece.end}
        for s in states:
            cuts.update(t for t in (s.window.start, s.window.end) if piece.start < t < piece.end)
        for w in material:
            cuts.update(t for t in (w.start, w.end) if piece.start < t < piece.end)
        points = sorted(cuts)
        for a, b in itertools.pairwise(points):
            out[cause_at(a, assigned, states, material)] += (b - a).total_seconds()
    return dict(out)


def operator_labour(
    operator_id: int,
    shift: TimeWindow,
    attendance: Sequence[TimeWindow],
    segments: Sequence[tuple[int, TimeWindow]],
    assigned: bool,
    states: Sequence[StateSpan],
    material: Sequence[TimeWindow],
) -> OperatorLabour:
    present = list(merge_windows(_clip(attendance, [shift])))
    result = OperatorLabour(operator_id, attendance_s=_seconds(present))
    worked: list[TimeWindow] = []
    for op_id, w in segments:
        inside = _clip([w], present)
        if inside:
            result.operations_s[op_id] = result.operations_s.get(op_id, 0.0) + _seconds(inside)
            worked.extend(inside)
    result.work_s = _seconds(worked)
    result.idle_s = idle_by_cause(_minus(present, worked), assigned, states, material)
    return result
