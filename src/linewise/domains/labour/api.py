"""Routes of labour (clocking, absences, skills, labour figures) and the allocation board."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from linewise.api.crud import get_or_404
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import FieldError, Forbidden, NotFound, ValidationProblem
from linewise.core.security import roles_for
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.equipment.site_time import site_zone
from linewise.domains.labour import figures, service, shifts
from linewise.domains.labour import repository as repo
from linewise.domains.labour.models import Absence, AllocationVersion, SkillCertificate
from linewise.domains.labour.schemas import (
    AbsenceIn,
    AbsenceOut,
    BoardAction,
    BoardOut,
    ChangeIn,
    CheckOut,
    ClockIn,
    ClockState,
    LabourMeOut,
    OperationLabourOut,
    RollbackIn,
    ShiftLabourOut,
    SkillIn,
    SkillOut,
    VersionOut,
    Which,
    WorkIntervalOut,
)
from linewise.domains.people.models import Operator

router = APIRouter(tags=["labour"])


def _scope(p: Principal) -> frozenset[int] | None:
    return p.area_ids if p.area_scoped else None


def _site(db: Session, site_id: int | None, field: str = "site_id") -> int:
    ids = repo.site_ids(db)
    if site_id is None and ids:
        return ids[0]
    if site_id not in ids:
        raise ValidationProblem(
            f"site {site_id} does not exist", errors=[FieldError(field, "unknown site")]
        )
    assert site_id is not None
    return site_id


def _operator(db: Session, operator_id: int, p: Principal, field: str = "operator_id") -> Operator:
    op = repo.get(db, Operator, operator_id)
    if op is None:
        raise ValidationProblem(
            f"operator {operator_id} does not exist", errors=[FieldError(field, "unknown operator")]
        )
    if p.area_scoped and not set(op.area_ids) & p.area_ids:
        raise Forbidden(f"{op.name} works outside your areas")
    return op


def _shift(db: Session, site_id: int, which: Which, key: str | None) -> shifts.ShiftRef:
    if key:
        return shifts.resolve(db, site_id, key)
    current, nxt = shifts.current_and_next(db, site_id, utcnow())
    return current if which is Which.CURRENT else nxt


# --- the operator's own -----------------------------------------------------------------


def _me(db: Session, op: Operator) -> dict[str, Any]:
    entry = repo.open_entry(db, op.id)
    site_id = _site(db, None)
    current, nxt = shifts.current_and_next(db, site_id, utcnow())
    out: dict[str, Any] = {
        "operator_id": op.id,
        "code": op.code,
        "name": op.name,
        "clocked_in_since": entry.clock_in if entry else None,
    }
    for label, shift in (("current", current), ("next", nxt)):
        _, board = service.board_assignments(db, site_id, shift.key)
        a = service.assignment_of(board, op.id)
        out[label] = {
            "shift": figures.shift_out(shift),
            "station": service.station_name(db, a) if a else None,
        }
    return out


def _my_operator(db: Session, p: Principal) -> Operator:
    op = repo.operator_of_user(db, p.user_id)
    if op is None:
        raise NotFound("your account is not an operator's (sign in with your badge)")
    return op


@router.get("/labour/me", response_model=LabourMeOut)
def me(p: Principal = Depends(require("labour:self")), db: Session = Depends(get_db)) -> Any:
    """The signed-in operator: clocked in or not, and their station this and next shift."""
    return _me(db, _my_operator(db, p))


# A tap queued on a terminal that was offline for a whole shift still counts; older
# ones are refused (a stale tablet's queue), so are times from a clock running ahead.
CLOCK_MAX_AGE = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=2)


def _tapped_at(at: datetime | None) -> datetime:
    now = utcnow()
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise ValidationProblem(
            "the tap's time is in the future: check the terminal's clock",
            errors=[FieldError("at", "in the future")],
        )
    if at < now - CLOCK_MAX_AGE:
        raise ValidationProblem(
            "the tap is more than 24 hours old; ask your supervisor to book it",
            errors=[FieldError("at", "older than 24 hours")],
        )
    return min(at, now)


@router.post("/labour/clock", response_model=ClockState)
def clock(
    body: ClockIn, p: Principal = Depends(require("labour:self")), db: Session = Depends(get_db)
) -> Any:
    """Clock in or out: yourself (no operator_id), or someone else as a supervisor."""
    own = repo.operator_of_user(db, p.user_id)
    if body.operator_id is None or (own is not None and own.id == body.operator_id):
        op = _my_operator(db, p)
    else:
        if p.role not in roles_for("allocation:write"):
            raise Forbidden("only supervisors clock in someone else")
        op = _operator(db, body.operator_id, p)
    now = _tapped_at(body.at)
    site_id = _site(db, None)
    current, _ = shifts.current_and_next(db, site_id, now)
    _, board = service.board_assignments(db, site_id, current.key)
    entry = service.clock(
        db, op, body.action.value, p.actor, now, service.assignment_of(board, op.id)
    )
    db.flush()
    return {
        "operator_id": op.id,
        "name": op.name,
        "clocked_in_since": entry.clock_in if entry.clock_out is None else None,
        "last_clock_out": entry.clock_out,
    }


# --- labour figures -------------------------------------------------------------------


@router.get("/labour/shift", response_model=ShiftLabourOut)
def shift_labour(
    site_id: int | None = Query(None, ge=1),
    which: Which = Which.CURRENT,
    shift_key: str | None = Query(None, max_length=60),
    p: Principal = Depends(require("labour:read")),
    db: Session = Depends(get_db),
) -> Any:
    """Per operator of a shift: attendance (APAT), work (APWT), efficiency, idle by cause."""
    site = _site(db, site_id)
    return figures.shift_labour(db, site, _shift(db, site, which, shift_key), utcnow(), _scope(p))


@router.get("/labour/operations/{operation_id}", response_model=OperationLabourOut)
def operation_labour(
    operation_id: int,
    p: Principal = Depends(require("labour:read")),
    db: Session = Depends(get_db),
) -> Any:
    """Labour time on one operation, per operator (from the terminal's actions)."""
    return figures.operation_labour(db, operation_id, utcnow())


@router.get("/labour/work-intervals", response_model=list[WorkIntervalOut])
def work_intervals(
    site_id: int | None = Query(None, ge=1),
    which: Which = Which.CURRENT,
    shift_key: str | None = Query(None, max_length=60),
    p: Principal = Depends(require("labour:read")),
    db: Session = Depends(get_db),
) -> Any:
    """Who worked where during a shift: operator at line / machine, from and to."""
    site = _site(db, site_id)
    shift = _shift(db, site, which, shift_key)
    out = []
    for w in repo.work_intervals(db, shift.window.start, shift.window.end):
        op = repo.get(db, Operator, w.operator_id)
        line = repo.get(db, Line, w.line_id)
        machine = repo.get(db, Machine, w.machine_id)
        if op is None or line is None or not p.may_touch_area(line.area_id):
            continue
        out.append(
            {
                "operator_id": op.id,
                "operator_name": op.name,
                "line_id": line.id,
                "line_code": line.code,
                "machine_id": w.machine_id,
                "machine_name": machine.name if machine else None,
                "started_at": w.started_at,
                "ended_at": w.ended_at,
            }
        )
    return out


# --- absences -------------------------------------------------------------------------


def _absence_out(db: Session, a: Absence) -> dict[str, Any]:
    op = repo.get(db, Operator, a.operator_id)
    return {
        "id": a.id,
        "operator_id": a.operator_id,
        "operator_name": op.name if op else "",
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "reason": a.reason,
        "created_by": a.created_by,
    }


@router.get("/labour/absences", response_model=list[AbsenceOut])
def list_absences(
    p: Principal = Depends(require("labour:read")), db: Session = Depends(get_db)
) -> Any:
    """Absences that have not ended yet."""
    return [_absence_out(db, a) for a in repo.absences(db, utcnow())]


@router.post("/labour/absences", response_model=AbsenceOut, status_code=201)
def add_absence(
    body: AbsenceIn,
    p: Principal = Depends(require("allocation:write")),
    db: Session = Depends(get_db),
) -> Any:
    op = _operator(db, body.operator_id, p)
    row = service.add_absence(db, op, body.starts_at, body.ends_at, body.reason, p.actor)
    db.flush()
    return _absence_out(db, row)


@router.delete("/labour/absences/{absence_id}", status_code=204)
def delete_absence(
    absence_id: int,
    p: Principal = Depends(require("allocation:write")),
    db: Session = Depends(get_db),
) -> None:
    row = get_or_404(db, Absence, absence_id)
    _operator(db, row.operator_id, p)
    repo.delete(db, row)


# --- skill matrix ---------------------------------------------------------------------


def _site_today(db: Session) -> date:
    """Today in the site's zone: a certificate is good through its last day there (in
    UTC the day turned an hour or two early or late, and the matrix disagreed with the
    board's conflicts)."""
    return utcnow().astimezone(site_zone(db)).date()


def _skill_out(c: SkillCertificate, today: date) -> dict[str, Any]:
    return {
        "id": c.id,
        "operator_id": c.operator_id,
        "skill": c.skill,
        "level": c.level,
        "expires_on": c.expires_on,
        "expired": c.expires_on is not None and c.expires_on < today,
    }


@router.get("/labour/skills", response_model=list[SkillOut])
def list_skills(
    p: Principal = Depends(require("labour:read")), db: Session = Depends(get_db)
) -> Any:
    """The skill matrix: operator × skill with level and certificate expiry."""
    today = _site_today(db)
    return [_skill_out(c, today) for c in repo.skills(db)]


@router.put("/labour/skills", response_model=SkillOut)
def set_skill(
    body: SkillIn, p: Principal = Depends(require("skills:write")), db: Session = Depends(get_db)
) -> Any:
    """Create or change one cell of the skill matrix (managers)."""
    op = _operator(db, body.operator_id, p)
    cell = service.set_skill(db, op, body.skill, body.level, body.expires_on)
    db.flush()
    return _skill_out(cell, _site_today(db))


@router.delete("/labour/skills/{skill_id}", status_code=204)
def delete_skill(
    skill_id: int,
    p: Principal = Depends(require("skills:write")),
    db: Session = Depends(get_db),
) -> None:
    repo.delete(db, get_or_404(db, SkillCertificate, skill_id))


# --- the allocation board -------------------------------------------------------------


def _board(db: Session, site_id: int, shift: shifts.ShiftRef) -> dict[str, Any]:
    version, assignments = service.board_assignments(db, site_id, shift.key)
    lines = repo.site_lines(db, site_id)
    needed = repo.line_skills(db, [ln.id for ln in lines])
    states = repo.current_states(db, [m.id for ln in lines for m in ln.machines])
    absent = {
        a.operator_id: a.reason for a in repo.absences(db, shift.window.start, shift.window.end)
    }
    area_ids = {ln.area_id for ln in lines}
    operators = [
        o for o in repo.active_operators(db) if not o.area_ids or set(o.area_ids) & area_ids
    ]
    clocked = {
        e.operator_id for e in repo.clock_entries(db, utcnow(), utcnow()) if e.clock_out is None
    }
    return {
        "site_id": site_id,
        "shift": figures.shift_out(shift),
        "version": version,
        "stations": [
            {
                "line_id": ln.id,
                "line_code": ln.code,
                "line_name": ln.name,
                "area_id": ln.area_id,
                "skills": sorted(needed.get(ln.id, set())),
                "machines": [
                    {
                        "id": m.id,
                        "name": m.name,
                        "state": states[m.id].state if m.id in states else None,
                    }
                    for m in ln.machines
                ],
            }
            for ln in lines
        ],
        "operators": [
            {
                "id": o.id,
                "code": o.code,
                "name": o.name,
                "skills": list(o.skills or []),
                "shift_code": o.shift_code,
                "area_ids": o.area_ids,
                "absent": absent.get(o.id),
                "clocked_in": o.id in clocked,
            }
            for o in operators
        ],
        "assignments": assignments,
        "skills": [_skill_out(c, _site_today(db)) for c in repo.skills(db)],
    }


@router.get("/allocation/board", response_model=BoardOut)
def board(
    site_id: int | None = Query(None, ge=1),
    which: Which = Which.CURRENT,
    shift_key: str | None = Query(None, max_length=60),
    p: Principal = Depends(require("labour:read")),
    db: Session = Depends(get_db),
) -> Any:
    """The board of the current or next shift: stations, operators, who is where."""
    site = _site(db, site_id)
    return _board(db, site, _shift(db, site, which, shift_key))


def _target(
    db: Session, body: ChangeIn, p: Principal
) -> tuple[Operator, Line | None, Machine | None]:
    op = _operator(db, body.operator_id, p)
    line = machine = None
    if body.machine_id is not None:
        machine = repo.get(db, Machine, body.machine_id)
        if machine is None:
            raise ValidationProblem(
                "unknown machine", errors=[FieldError("machine_id", "unknown machine")]
            )
        if body.line_id is not None and body.line_id != machine.line_id:
            raise ValidationProblem(
                f"{machine.name} is not on line {body.line_id}",
                errors=[FieldError("machine_id", "not on that line")],
            )
        line = machine.line
    elif body.line_id is not None:
        line = repo.get(db, Line, body.line_id)
        if line is None:
            raise ValidationProblem("unknown line", errors=[FieldError("line_id", "unknown line")])
    if line is not None and not p.may_touch_area(line.area_id):
        raise Forbidden(f"{line.code} is outside your areas")
    if body.action is not BoardAction.UNASSIGN and line is None:
        raise ValidationProblem("say where to", errors=[FieldError("line_id", "required")])
    return op, line, machine


@router.post("/allocation/check", response_model=CheckOut)
def check(
    body: ChangeIn,
    p: Principal = Depends(require("allocation:write")),
    db: Session = Depends(get_db),
) -> Any:
    """The conflicts a change would meet, each in words; nothing is saved."""
    site = _site(db, body.site_id)
    shift = shifts.resolve(db, site, body.shift_key)
    op, line, machine = _target(db, body, p)
    if line is None:
        return {"conflicts": []}
    _, assignments = service.board_assignments(db, site, shift.key)
    found = service.conflicts(db, shift, assignments, op, line, machine, body.action.value)
    return {"conflicts": [c.as_dict() for c in found]}


@router.post("/allocation/changes", response_model=BoardOut)
def change(
    body: ChangeIn,
    p: Principal = Depends(require("allocation:write")),
    db: Session = Depends(get_db),
) -> Any:
    """Assign, move or unassign an operator; refused (409) with each conflict's reason."""
    site = _site(db, body.site_id)
    shift = shifts.resolve(db, site, body.shift_key)
    op, line, machine = _target(db, body, p)
    service.change(
        db, site, shift, body.base_version, body.action.value, op, line, machine, body.reason,
        p.actor, utcnow(), p.may_touch_area,
    )  # fmt: skip
    db.flush()
    return _board(db, site, shift)


@router.post("/allocation/rollback", response_model=BoardOut)
def rollback(
    body: RollbackIn,
    p: Principal = Depends(require("allocation:write")),
    db: Session = Depends(get_db),
) -> Any:
    """Make an earlier version current again, as a new version."""
    site = _site(db, body.site_id)
    shift = shifts.resolve(db, site, body.shift_key)
    service.rollback(
        db,
        site,
        shift,
        body.base_version,
        body.to_version,
        body.reason,
        p.actor,
        utcnow(),
        p.may_touch_area,
    )
    db.flush()
    return _board(db, site, shift)


def _version_out(db: Session, v: AllocationVersion) -> dict[str, Any]:
    op = repo.get(db, Operator, v.operator_id) if v.operator_id else None
    return {
        "version": v.version,
        "action": v.action,
        "operator_id": v.operator_id,
        "operator_name": op.name if op else None,
        "reason": v.reason,
        "restored_from": v.restored_from,
        "actor": v.actor,
        "created_at": v.created_at,
        "assignments": v.assignments,
    }


@router.get("/allocation/history", response_model=list[VersionOut])
def history(
    shift_key: str = Query(min_length=5, max_length=60),
    site_id: int | None = Query(None, ge=1),
    p: Principal = Depends(require("labour:read")),
    db: Session = Depends(get_db),
) -> Any:
    """Every version of a shift's board, newest first, with who and why."""
    site = _site(db, site_id)
    return [_version_out(db, v) for v in repo.history(db, site, shift_key)]
