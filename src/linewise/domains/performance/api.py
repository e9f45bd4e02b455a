"""Routes: KPI figures, explain, trend and Pareto per scope; the downtime reason queue."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.core.time import utcnow
from linewise.domains.performance import downtime
from linewise.domains.performance.explaining import explain_scope
from linewise.domains.performance.pareto import pareto_of
from linewise.domains.performance.schemas import (
    AssignmentOut,
    ExplainOut,
    FiguresOut,
    ParetoBy,
    ParetoOut,
    ReasonTreeOut,
    RecentShiftsOut,
    ScopeKind,
    ShiftReportOut,
    TrendOut,
    UnassignedPageOut,
)
from linewise.domains.performance.service import Scope, figures, resolve_scope, trend_of
from linewise.domains.performance.shift_report import shift_report
from linewise.domains.performance.windows import ResolvedWindow, resolve_window, shifts_around
from linewise.kpi import BucketSize, CalendarSpec, Convention, ParetoMeasure

router = APIRouter(tags=["kpi"])
READ = "kpi:read"
ASSIGN = "downtime:assign"


class WindowQuery:
    """from/to, or day (site-local, default today), or shift + day, or week (YYYY-Www);
    ``shift=current`` / ``shift=previous``: the latest shift that has started / the one
    before it."""

    def __init__(
        self,
        start: AwareDatetime | None = Query(None, alias="from"),
        end: AwareDatetime | None = Query(None, alias="to"),
        day: date | None = Query(None),
        shift: str | None = Query(None, max_length=40),
        week: str | None = Query(None, max_length=8),
    ) -> None:
        self.start, self.end, self.day, self.shift, self.week = start, end, day, shift, week


def _areas(principal: Principal) -> frozenset[int] | None:
    return principal.area_ids if principal.area_scoped else None


def _calendar_of(sc: Scope, scope: ScopeKind) -> CalendarSpec:
    """A machine's or line's own calendar; the site's for areas and sites."""
    if sc.machines and scope.value in ("machine", "line"):
        return sc.calendars.of_line(sc.machines[0].line_id)
    return sc.calendars.site


def _prepare(
    db: Session, scope: ScopeKind, scope_id: int, principal: Principal, q: WindowQuery
) -> tuple[Scope, ResolvedWindow, datetime]:
    now = utcnow()
    resolved_scope = resolve_scope(db, scope.value, scope_id, _areas(principal))
    calendar = _calendar_of(resolved_scope, scope)
    window = resolve_window(
        calendar, now, start=q.start, end=q.end, day=q.day, shift=q.shift, week=q.week
    )
    return resolved_scope, window, now


@router.get("/kpi/{scope}/{scope_id}", response_model=FiguresOut, response_model_exclude_unset=True)
def kpi_figures(
    scope: ScopeKind,
    scope_id: int,
    q: WindowQuery = Depends(),
    convention: Convention = Query(Convention.ISO_22400),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Availability, effectiveness, quality (both), OEE, NEE and the other ISO 22400 KPIs.

    Lines, areas and sites also list each machine's figures and each line's
    output-based OEE.
    """
    sc, window, now = _prepare(db, scope, scope_id, principal, q)
    return figures(db, sc, window, convention, now)


@router.get(
    "/kpi/{scope}/{scope_id}/explain",
    response_model=ExplainOut,
    response_model_exclude_unset=True,
)
def kpi_explain(
    scope: ScopeKind,
    scope_id: int,
    q: WindowQuery = Depends(),
    convention: Convention = Query(Convention.ISO_22400),
    source_limit: int = Query(500, ge=1, le=100_000),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Time elements, counts and PRU per product, formulas, stops and links to the data."""
    sc, window, now = _prepare(db, scope, scope_id, principal, q)
    return explain_scope(db, sc, window, convention, now, source_limit)


@router.get("/kpi/{scope}/{scope_id}/trend", response_model=TrendOut)
def kpi_trend(
    scope: ScopeKind,
    scope_id: int,
    q: WindowQuery = Depends(),
    bucket: BucketSize = Query(BucketSize.HOUR),
    convention: Convention = Query(Convention.ISO_22400),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    sc, window, now = _prepare(db, scope, scope_id, principal, q)
    return trend_of(db, sc, window, bucket, convention, now)


@router.get("/kpi/{scope}/{scope_id}/shifts", response_model=RecentShiftsOut)
def kpi_shifts(
    scope: ScopeKind,
    scope_id: int,
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """The shifts of the scope's calendar that started in the last 7 days, newest first,
    with the current and the previous one (what ``shift=current|previous`` resolves to)."""
    now = utcnow()
    sc = resolve_scope(db, scope.value, scope_id, _areas(principal))
    calendar = _calendar_of(sc, scope)
    started = shifts_around(calendar, now)
    items = [
        {
            "code": s.code,
            "day": s.day.isoformat(),
            "label": s.label,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
        }
        for s in reversed(started)
    ]
    return {
        "timezone": calendar.timezone,
        "current": items[0] if items else None,
        "previous": items[1] if len(items) > 1 else None,
        "shifts": items,
    }


@router.get("/kpi/line/{line_id}/shift-report", response_model=ShiftReportOut)
def kpi_shift_report(
    line_id: int,
    q: WindowQuery = Depends(),
    convention: Convention = Query(Convention.ISO_22400),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """One line's shift: OEE (line output and stations combined), output against the
    published plan, the top losses and the stops still without a reason.

    The shift is ``shift=current``, ``shift=previous`` or ``day`` + ``shift`` (its code).
    """
    sc, window, now = _prepare(db, ScopeKind.line, line_id, principal, q)
    return shift_report(db, sc, window, convention, now)


@router.get("/kpi/{scope}/{scope_id}/pareto", response_model=ParetoOut)
def kpi_pareto(
    scope: ScopeKind,
    scope_id: int,
    q: WindowQuery = Depends(),
    by: ParetoBy = Query(ParetoBy.reason),
    measure: ParetoMeasure = Query(ParetoMeasure.DURATION),
    include_minor: bool = Query(True),
    include_idle: bool = Query(False),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    sc, window, now = _prepare(db, scope, scope_id, principal, q)
    return pareto_of(db, sc, window, by.value, measure, include_minor, include_idle, now)


@router.get("/downtime/unassigned", response_model=UnassignedPageOut)
def downtime_unassigned(
    since: AwareDatetime | None = Query(None),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Stops without a reason in the caller's areas (default: the last 7 days), newest first."""
    now = utcnow()
    return downtime.unassigned(
        db, _areas(principal), since or now - timedelta(days=7), now, limit, offset
    )


@router.get("/downtime/reasons", response_model=ReasonTreeOut)
def downtime_reasons(
    machine_id: int = Query(...),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """The reason tree a stop of this machine may be given (its class + general reasons)."""
    machine = downtime.machine_in_areas(db, machine_id, _areas(principal))
    return {
        "machine_id": machine.id,
        "machine_class": machine.kind,
        "reasons": downtime.reason_tree(downtime.reasons_for_kind(db, machine.kind)),
    }


class AssignmentIn(BaseModel):
    machine_id: int
    start: AwareDatetime = Field(description="the stop's start, as the queue gave it")
    reason_code_id: int
    note: str = Field("", max_length=500)


@router.post("/downtime/assignments", response_model=AssignmentOut)
def downtime_assign(
    body: AssignmentIn,
    principal: Principal = Depends(require(ASSIGN)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Give a stop its reason (audited); assigning again changes it."""
    row = downtime.assign(
        db,
        machine_id=body.machine_id,
        start=body.start,
        reason_code_id=body.reason_code_id,
        note=body.note,
        actor=principal.actor,
        area_ids=_areas(principal),
    )
    return downtime.assignment_out(row)
