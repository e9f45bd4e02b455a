"""Routes for operators and shift calendars."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Select
from sqlalchemy.orm import Session

from linewise.api.crud import crud_router
from linewise.api.deps import Principal
from linewise.domains.people.models import Operator, ShiftCalendar, operator_areas
from linewise.domains.people.schemas import CalendarIn, CalendarOut, OperatorIn, OperatorOut
from linewise.domains.people.service import (
    check_one_calendar,
    check_operator_scope,
    replace_holidays,
    replace_patterns,
    set_operator_areas,
)


def _scope_operators(stmt: Select[Any], p: Principal) -> Select[Any]:
    return stmt.where(
        Operator.id.in_(
            operator_areas.select()
            .with_only_columns(operator_areas.c.operator_id)
            .where(operator_areas.c.area_id.in_(p.area_ids))
        )
    )


def _guard_operators(
    db: Session, p: Principal, operator: Operator | None, data: dict[str, Any] | None
) -> None:
    new_area_ids = data.get("area_ids") if data is not None else None
    if operator is None and new_area_ids is None:
        new_area_ids = []
    check_operator_scope(p.area_ids if p.area_scoped else None, operator, new_area_ids)


router = APIRouter()
router.include_router(
    crud_router(
        path="/operators",
        model=Operator,
        out=OperatorOut,
        create=OperatorIn,
        read_permission="masterdata:read",
        write_permission="people:write",
        search=[Operator.code, Operator.name],
        sortable={"code": Operator.code, "name": Operator.name},
        filters={"shift_code": Operator.shift_code, "active": Operator.active},
        scope=_scope_operators,
        guard=_guard_operators,
        special={"area_ids": set_operator_areas},
        tag="people",
    )
)
router.include_router(
    crud_router(
        path="/calendars",
        model=ShiftCalendar,
        out=CalendarOut,
        create=CalendarIn,
        read_permission="masterdata:read",
        write_permission="calendars:write",
        search=[ShiftCalendar.code, ShiftCalendar.name],
        sortable={"code": ShiftCalendar.code},
        filters={"site_id": ShiftCalendar.site_id, "line_id": ShiftCalendar.line_id},
        special={"patterns": replace_patterns, "holidays": replace_holidays},
        validate=check_one_calendar,
        tag="people",
    )
)
