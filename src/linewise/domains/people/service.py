"""Rules for operators and calendars."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, Forbidden, ValidationProblem
from linewise.domains.equipment.service import areas_by_ids
from linewise.domains.people import repository as repo
from linewise.domains.people.models import Holiday, Operator, ShiftCalendar, ShiftPattern


def set_operator_areas(db: Session, operator: Operator, area_ids: list[int]) -> None:
    operator.areas = areas_by_ids(db, area_ids)


def check_operator_scope(
    allowed: frozenset[int] | None,
    operator: Operator | None,
    new_area_ids: list[int] | None,
) -> None:
    """Keep an area-scoped writer (a supervisor) to the operators of their own areas.

    ``allowed`` is the writer's areas (None: not area-scoped); ``operator`` the record
    changed (None: a new one); ``new_area_ids`` the areas it is given (None: unchanged).
    The operator must work only in the writer's areas, before and after: an operator
    shared with another area, or with none, is the business of a role that sees both,
    and moving one between areas takes someone responsible for both.
    """
    if allowed is None:
        return
    if operator is not None:
        theirs = set(operator.area_ids)
        if not theirs or not theirs <= allowed:
            raise Forbidden(
                f"operator {operator.code} works outside your areas",
                errors=[FieldError("area_ids", "operator is not only in your areas")],
            )
    if new_area_ids is not None:
        outside = sorted(set(new_area_ids) - allowed)
        if outside:
            raise Forbidden(
                f"areas {outside} are not yours",
                errors=[FieldError("area_ids", f"outside your areas: {outside}")],
            )
        if not new_area_ids:
            raise Forbidden(
                "an operator you manage must work in one of your areas",
                errors=[FieldError("area_ids", "give at least one of your areas")],
            )


def replace_patterns(db: Session, cal: ShiftCalendar, patterns: list[dict[str, Any]]) -> None:
    cal.patterns = [ShiftPattern(**p) for p in patterns]


def replace_holidays(db: Session, cal: ShiftCalendar, holidays: list[dict[str, Any]]) -> None:
    cal.holidays = [Holiday(**h) for h in holidays]


def check_one_calendar(db: Session, data: dict[str, Any], own_id: int | None) -> None:
    """At most one calendar per site and one per line; a line's calendar is on its site.

    With two, readers would have to pick one, and they used to pick differently (the
    scheduler planned on shifts the KPIs never counted). ``data`` is a new calendar or
    the fields of an update (the stored values fill in what it leaves out).
    """
    current = db.get(ShiftCalendar, own_id) if own_id is not None else None
    site_id = data.get("site_id")
    if site_id is None:
        if current is None:
            return  # the schema refuses a calendar without a site
        site_id = current.site_id
    line_id = data.get("line_id") if "line_id" in data or current is None else current.line_id
    if line_id is not None:
        line_site = repo.site_of_line(db, line_id)
        if line_site is not None and line_site != site_id:
            raise ValidationProblem(
                f"line {line_id} belongs to site {line_site}, not to site {site_id}",
                errors=[FieldError("line_id", f"is on site {line_site}")],
            )
    other = repo.calendar_of_scope(db, site_id, line_id, own_id)
    if other is None:
        return
    if line_id is None:
        raise Conflict(
            f"site {site_id} already has a calendar ({other.code}); a site has one calendar: "
            "change that one, or give a line its own calendar with line_id",
            errors=[FieldError("site_id", f"already has calendar {other.code} (id {other.id})")],
        )
    raise Conflict(
        f"line {line_id} already has a calendar ({other.code}); a line has one calendar: "
        "change that one",
        errors=[FieldError("line_id", f"already has calendar {other.code} (id {other.id})")],
    )
