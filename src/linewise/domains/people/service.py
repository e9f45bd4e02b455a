"""Rules for operators and calendars."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from linewise.domains.equipment.service import areas_by_ids
from linewise.domains.people.models import Holiday, Operator, ShiftCalendar, ShiftPattern


def set_operator_areas(db: Session, operator: Operator, area_ids: list[int]) -> None:
    operator.areas = areas_by_ids(db, area_ids)


def replace_patterns(db: Session, cal: ShiftCalendar, patterns: list[dict[str, Any]]) -> None:
    cal.patterns = [ShiftPattern(**p) for p in patterns]


def replace_holidays(db: Session, cal: ShiftCalendar, holidays: list[dict[str, Any]]) -> None:
    cal.holidays = [Holiday(**h) for h in holidays]
