"""Canonical machine states as UTC intervals, and stops found in them.

A *stop* is a run of consecutive ``down`` intervals (or of ``idle`` intervals): a fault that
is re-coded half way, or split by a reconnect, is still one stop for the operator. Its
length is the whole run, even where a reporting window cuts it, so that a 40-minute
breakdown is never turned into two "minor stops" by a shift change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from linewise.kpi.intervals import TimeWindow, as_utc


class MachineState(StrEnum):
    PRODUCING = "producing"
    SETUP = "setup"
    IDLE = "idle"
    DOWN = "down"
    PLANNED_STOP = "planned_stop"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class StateInterval:
    """A machine was in ``state`` over ``[start, end)``; ``id`` traces it back to storage.

    ``reason`` is the idle sub-reason (starved, blocked, no_operator, no_order), the down
    reason, or the planned-stop kind; ``fault`` the machine's fault code if any.
    """

    start: datetime
    end: datetime
    state: MachineState
    reason: str | None = None
    fault: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start, "state start"))
        object.__setattr__(self, "end", as_utc(self.end, "state end"))
        object.__setattr__(self, "state", MachineState(self.state))
        if self.end < self.start:
            raise ValueError(f"state interval {self.id or ''} ends before it starts")

    @property
    def window(self) -> TimeWindow:
        return TimeWindow(self.start, self.end)

    @property
    def label(self) -> str:
        return self.id or f"{self.state.value}:{self.window.label()}"


def normalize_states(intervals: Iterable[StateInterval]) -> tuple[StateInterval, ...]:
    """Sorted, non-overlapping, non-empty intervals.

    Where two intervals overlap (late or duplicated events), the one that starts later
    wins and the earlier one is cut short: the newer report describes the machine better.
    """
    ordered = sorted((i for i in intervals if i.end > i.start), key=lambda i: (i.start, i.end))
    result: list[StateInterval] = []
    for item in ordered:
        if result and result[-1].end > item.start:
            prev = result.pop()
            if item.start > prev.start:
                result.append(
                    StateInterval(
                        prev.start, item.start, prev.state, prev.reason, prev.fault, prev.id
                    )
                )
        result.append(item)
    return tuple(result)


@dataclass(frozen=True, slots=True)
class StateRun:
    """Consecutive intervals in one state (``down`` or ``idle``): one stop."""

    state: MachineState
    start: datetime
    end: datetime
    reason: str | None
    fault: str | None
    interval_ids: tuple[str, ...]

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def find_runs(states: Sequence[StateInterval], state: MachineState) -> tuple[StateRun, ...]:
    """Join touching intervals of ``state`` into runs; ``states`` must be normalized.

    The run's reason and fault are the first ones given inside it (the first diagnosis).
    """
    runs: list[StateRun] = []
    group: list[StateInterval] = []

    def close() -> None:
        if group:
            runs.append(
                StateRun(
                    state,
                    group[0].start,
                    group[-1].end,
                    next((g.reason for g in group if g.reason), None),
                    next((g.fault for g in group if g.fault), None),
                    tuple(g.label for g in group),
                )
            )
            group.clear()

    for item in states:
        if item.state is state and (not group or group[-1].end == item.start):
            group.append(item)
        else:
            close()
            if item.state is state:
                group.append(item)
    close()
    return tuple(runs)
