"""What a scenario (or a disruption) changes in the problem, as plain values.

Stored as JSON payloads on ``scenario_changes``; the API validates them per kind and the
builder applies them, so the same change means the same thing in a what-if and in a
re-plan around a machine that went down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class LineDown:
    line_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RushOrder:
    key: str  # unique among the scenario's changes; the order "number" on the Gantt
    product_id: int
    quantity: int
    due: datetime
    release: datetime | None = None
    priority: int = 1


@dataclass(frozen=True)
class OperatorAbsence:
    operator_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ExtraShift:
    start: datetime
    end: datetime
    line_ids: tuple[int, ...] = ()  # empty: every line
    crew: dict[str, int] | None = None  # skill -> operators; None: a regular shift's crew


@dataclass(frozen=True)
class Changes:
    downs: tuple[LineDown, ...] = ()
    rush_orders: tuple[RushOrder, ...] = ()
    absences: tuple[OperatorAbsence, ...] = ()
    extra_shifts: tuple[ExtraShift, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def from_payloads(rows: list[tuple[int, str, dict[str, Any]]]) -> Changes:
    """Changes from stored ``(change id, kind, payload)`` rows (already validated)."""
    downs, rush, absent, extra = [], [], [], []
    for change_id, kind, p in rows:
        if kind == "line_down":
            downs.append(LineDown(int(p["line_id"]), _dt(p["start"]), _dt(p["end"])))
        elif kind == "rush_order":
            rush.append(
                RushOrder(
                    key=str(p.get("number") or f"RUSH-{change_id}"),
                    product_id=int(p["product_id"]),
                    quantity=int(p["quantity"]),
                    due=_dt(p["due_date"]),
                    release=_dt(p["release_date"]) if p.get("release_date") else None,
                    priority=int(p.get("priority") or 1),
                )
            )
        elif kind == "absent_operator":
            absent.append(OperatorAbsence(int(p["operator_id"]), _dt(p["start"]), _dt(p["end"])))
        elif kind == "extra_shift":
            extra.append(
                ExtraShift(
                    _dt(p["start"]),
                    _dt(p["end"]),
                    tuple(int(i) for i in p.get("line_ids") or ()),
                    {str(k): int(v) for k, v in p["crew"].items()} if p.get("crew") else None,
                )
            )
    return Changes(tuple(downs), tuple(rush), tuple(absent), tuple(extra))
