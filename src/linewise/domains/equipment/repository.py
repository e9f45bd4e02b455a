"""Queries of the equipment domain used by its routes' area scoping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Area, Line, Machine


def area_of_line(db: Session, line_id: Any) -> int | None:
    line = db.get(Line, line_id)
    return line.area_id if line else None


def areas_within(stmt: Select[Any], area_ids: frozenset[int]) -> Select[Any]:
    return stmt.where(Area.id.in_(area_ids))


def lines_within(stmt: Select[Any], area_ids: frozenset[int]) -> Select[Any]:
    return stmt.where(Line.area_id.in_(area_ids))


def machines_within(stmt: Select[Any], area_ids: frozenset[int]) -> Select[Any]:
    return stmt.where(Machine.line_id.in_(select(Line.id).where(Line.area_id.in_(area_ids))))


def line_by_id(db: Session, line_id: int) -> Line | None:
    return db.get(Line, line_id)


def get_line(db: Session, line_id: int) -> Line:
    """The line (it must exist: callers validated the id)."""
    return db.get_one(Line, line_id)
