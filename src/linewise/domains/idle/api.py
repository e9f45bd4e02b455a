"""Routes: idle minutes by cause per machine, idle risks, reallocation suggestions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from linewise.allocation.causes import CAUSES
from linewise.allocation.risk import FLAG_ABOVE
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import Forbidden
from linewise.core.security import roles_for
from linewise.core.time import utcnow
from linewise.domains.idle import alternates, measure, service
from linewise.domains.idle.schemas import (
    AcceptIn,
    AcceptOut,
    AlternateAcceptedOut,
    AlternateAcceptIn,
    AlternatesOut,
    IdleOut,
    RisksOut,
    SuggestionsOut,
)
from linewise.domains.performance.api import WindowQuery
from linewise.domains.performance.repository import machines as scope_machines
from linewise.domains.performance.schemas import ScopeKind
from linewise.domains.performance.service import resolve_scope
from linewise.domains.performance.windows import resolve_window

router = APIRouter(tags=["idle"])
READ = "idle:read"


def _areas(principal: Principal) -> frozenset[int] | None:
    return principal.area_ids if principal.area_scoped else None


def _visible(db: Session, principal: Principal) -> list[int]:
    return [m.id for m in scope_machines(db, area_ids=_areas(principal))]


@router.get("/idle/risks", response_model=RisksOut)
def idle_risks(
    principal: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """The latest risk per machine, and per clocked-in operator, of an idle episode of 5
    minutes or more within 5, 15 and 30 minutes (refreshed every minute by the
    ``idle.risk`` job); ``flagged``: above ``flag_above`` at 15 minutes. An idle
    operator's ``cause`` is labour's: no_assignment, machine_down, no_material,
    waiting_setup, starved or blocked."""
    return {
        "items": service.risks(db, _visible(db, principal)),
        "operators": service.operator_risks(db, _areas(principal)),
        "flag_above": FLAG_ABOVE,
    }


@router.get("/idle/suggestions", response_model=SuggestionsOut)
def idle_suggestions(
    principal: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """Operator moves proposed by CP-SAT towards machines at risk, with the expected gain
    in idle minutes; each operator stands where the current shift's board puts them."""
    may_accept = principal.role in roles_for("allocation:write")
    return service.suggestions(db, _visible(db, principal), utcnow(), may_accept)


@router.post("/idle/suggestions/accept", response_model=AcceptOut)
def accept_suggestion(
    body: AcceptIn,
    principal: Principal = Depends(require("allocation:write")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Apply one suggested move to the current shift's allocation board, as the board's
    own change: refused (409/422) with each conflict's reason, 409 on a stale
    ``base_version``; a new board version with the reason "idle suggestion: +N min"."""
    row, line = service.accept(
        db, body.operator_id, body.from_station, body.to_station, body.base_version,
        body.gain_min, principal.actor, utcnow(), _areas(principal), principal.may_touch_area,
    )  # fmt: skip
    db.flush()
    return {
        "version": row.version,
        "shift_key": row.shift_key,
        "operator_id": body.operator_id,
        "line_id": line.id,
        "line_code": line.code,
        "reason": row.reason,
    }


@router.get("/idle/alternates", response_model=AlternatesOut)
def idle_alternates(
    principal: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """Alternate-machine suggestions and job swaps: operations of the published plan, not
    started yet, that a line standing idle now could start now (a free line takes one; a
    line waiting for its next operation trades it for one), each checked by the
    schedule's validator, with the idle minutes it fills there."""
    out = alternates.suggestions(db, _visible(db, principal), utcnow())
    return {**out, "accept_available": principal.role in roles_for("schedules:write")}


@router.post("/idle/alternates/accept", response_model=AlternateAcceptedOut)
def accept_alternate(
    body: AlternateAcceptIn,
    principal: Principal = Depends(require("schedules:write")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Publish a copy of the published plan with the operation moved to start now on the
    idle line, and for a swap (``swap_operation_id``) the line's own next operation in
    its slot (validated like moves on the Gantt; 422 names the rule it would break); 409
    when another plan was published since. The reason says what moved and why."""
    if not principal.may_touch_area(alternates.line_area(db, body.to_line_id)):
        raise Forbidden("that line is outside your areas")
    plan = alternates.accept(
        db, body.plan_id, body.operation_id, body.to_line_id, body.gain_min, utcnow(),
        body.swap_operation_id,
    )  # fmt: skip
    db.flush()
    return {"plan_id": plan.id, "superseded_plan_id": body.plan_id, "reason": plan.reason or ""}


@router.get("/idle/{scope}/{scope_id}", response_model=IdleOut)
def idle_of(
    scope: ScopeKind,
    scope_id: int,
    q: WindowQuery = Depends(),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Idle minutes per machine by cause and utilization over a window (from/to, a
    site-local day, a shift or an ISO week); release-to-first-start of the orders
    released in it."""
    now = utcnow()
    sc = resolve_scope(db, scope.value, scope_id, _areas(principal))
    calendar = sc.calendars.site
    window = resolve_window(
        calendar, now, start=q.start, end=q.end, day=q.day, shift=q.shift, week=q.week
    )
    rows = measure.machine_idle(db, sc.machines, window.window, now)
    totals = {c: round(sum(r["by_cause"][c] for r in rows), 3) for c in CAUSES}
    return {
        "scope": sc.as_dict(),
        "window": window.as_dict(calendar.timezone),
        "machines": rows,
        "totals": totals,
        "idle_minutes": round(sum(totals.values()), 3),
        "release_to_start": measure.release_to_start(
            db, sorted({m.line_id for m in sc.machines}), window.window
        ),
    }
