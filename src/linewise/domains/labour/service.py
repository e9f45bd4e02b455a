"""Changes of labour: clocking, absences, the skill matrix and the allocation board.

Every board change is checked first (``conflicts``): a change with a conflict is refused
with each conflict's reason in words and nothing is written. A saved change is a new
``AllocationVersion`` holding the whole board (history is never edited), audited by the
audit hook, and announced with ``AllocationChanged`` after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from linewise.core import events
from linewise.core.errors import Conflict, FieldError, Forbidden, ValidationProblem
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.inventory.models import Material
from linewise.domains.inventory.shortages import shortages
from linewise.domains.labour import repository as repo
from linewise.domains.labour.events import AllocationChanged
from linewise.domains.labour.models import (
    Absence,
    AllocationVersion,
    ClockEntry,
    SkillCertificate,
    WorkInterval,
)
from linewise.domains.labour.shifts import ShiftRef
from linewise.domains.people.models import Operator

Assignment = dict[str, Any]  # {"operator_id": int, "line_id": int, "machine_id": int | None}


@dataclass(frozen=True)
class ConflictFound:
    # double_booking, missing_skill, expired_certification, outside_shift, absent,
    # machine_down, maintenance, material_short
    code: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


# --- the board ------------------------------------------------------------------------


def board_assignments(db: Session, site_id: int, shift_key: str) -> tuple[int, list[Assignment]]:
    latest = repo.latest_version(db, site_id, shift_key)
    return (0, []) if latest is None else (latest.version, [dict(a) for a in latest.assignments])


def assignment_of(assignments: list[Assignment], operator_id: int) -> Assignment | None:
    return next((a for a in assignments if a["operator_id"] == operator_id), None)


def station_name(db: Session, a: Assignment) -> str:
    line = db.get(Line, a["line_id"])
    machine = db.get(Machine, a["machine_id"]) if a.get("machine_id") else None
    name = line.code if line else f"line {a['line_id']}"
    return f"{name} / {machine.name}" if machine else name


def _valid_skills(
    operator: Operator, certs: dict[str, SkillCertificate], day: date
) -> tuple[set[str], dict[str, date]]:
    """Skills the operator may use on ``day`` and those whose certificate has expired."""
    held = set(operator.skills or []) | set(certs)
    expired = {
        s: c.expires_on for s, c in certs.items() if c.expires_on is not None and c.expires_on < day
    }
    return held - set(expired), expired


def conflicts(
    db: Session,
    shift: ShiftRef,
    assignments: list[Assignment],
    operator: Operator,
    line: Line,
    machine: Machine | None,
    action: str,
) -> list[ConflictFound]:
    """Everything that speaks against putting ``operator`` on ``line``/``machine``."""
    found: list[ConflictFound] = []
    here = assignment_of(assignments, operator.id)
    if here is not None and action == "assign":
        found.append(
            ConflictFound(
                "double_booking",
                "operator_id",
                f"{operator.name} is already on {station_name(db, here)} this shift",
            )
        )
    needed = repo.line_skills(db, [line.id])[line.id]
    if needed:
        certs = {c.skill: c for c in repo.skills(db, [operator.id])}
        valid, expired = _valid_skills(operator, certs, shift.day)
        if not needed & valid:
            lapsed = sorted(needed & set(expired))
            if lapsed:
                for skill in lapsed:
                    found.append(
                        ConflictFound(
                            "expired_certification",
                            "operator_id",
                            f"{operator.name}'s certification for {skill} expired on "
                            f"{expired[skill].isoformat()}",
                        )
                    )
            else:
                found.append(
                    ConflictFound(
                        "missing_skill",
                        "operator_id",
                        f"{operator.name} lacks the skill {line.code} needs "
                        f"({' or '.join(sorted(needed))})",
                    )
                )
    if operator.shift_code and shift.code != "day" and operator.shift_code != shift.code:
        found.append(
            ConflictFound(
                "outside_shift",
                "operator_id",
                f"{operator.name} works shift {operator.shift_code}, this is shift {shift.code}",
            )
        )
    for ab in repo.absences(db, shift.window.start, shift.window.end):
        if ab.operator_id == operator.id:
            found.append(
                ConflictFound("absent", "operator_id", f"{operator.name} is absent ({ab.reason})")
            )
    machines = [machine] if machine is not None else list(line.machines)
    states = repo.current_states(db, [m.id for m in machines])
    for m in machines:
        st = states.get(m.id)
        if st is None:
            continue
        if st.state == "planned_stop" and "maint" in (st.reason or ""):
            found.append(ConflictFound("maintenance", "line_id", f"{m.name} is in maintenance"))
        elif st.state == "down":
            found.append(ConflictFound("machine_down", "line_id", f"{m.name} is down now"))
    found.extend(_material_short(db, shift, line))
    return found


def _material_short(db: Session, shift: ShiftRef, line: Line) -> list[ConflictFound]:
    """The work the published plan has on this line this shift lacks material: the
    operator would stand idle for it (the store's shortage list, order by order)."""
    planned = repo.orders_planned_on_line(db, line.id, shift.window.start, shift.window.end)
    if not planned:
        return []
    out: list[ConflictFound] = []
    for short in shortages(db):
        if short.order_id not in planned:
            continue
        material = db.get(Material, short.material_id)
        name = material.code if material else f"material {short.material_id}"
        unit = f" {material.unit}" if material else ""
        out.append(
            ConflictFound(
                "material_short",
                "line_id",
                f"{short.order_number}, planned on {line.code} this shift, is short of "
                f"{name} ({short.missing:g}{unit} missing)",
            )
        )
    return out


def _next_version(
    db: Session,
    site_id: int,
    shift: ShiftRef,
    base_version: int,
    assignments: list[Assignment],
    *,
    action: str,
    operator_id: int | None,
    reason: str,
    actor: str,
    restored_from: int | None = None,
) -> AllocationVersion:
    current, _ = board_assignments(db, site_id, shift.key)
    if base_version != current:
        raise Conflict(
            f"the board changed since you read it (now version {current}); reload and try again",
            errors=[FieldError("base_version", f"stale: the board is at version {current}")],
        )
    row = AllocationVersion(
        site_id=site_id,
        shift_key=shift.key,
        version=current + 1,
        action=action,
        operator_id=operator_id,
        reason=reason,
        restored_from=restored_from,
        actor=actor,
        assignments=assignments,
    )
    db.add(row)
    events.record(db, AllocationChanged(site_id, shift.key, row.version, actor))
    return row


def change(
    db: Session,
    site_id: int,
    shift: ShiftRef,
    base_version: int,
    action: str,
    operator: Operator,
    line: Line | None,
    machine: Machine | None,
    reason: str,
    actor: str,
    now: datetime,
    may_touch_area: Callable[[int | None], bool] = lambda _a: True,
) -> AllocationVersion:
    """Assign, move or unassign one operator; refused with every conflict in words."""
    _, assignments = board_assignments(db, site_id, shift.key)
    if action == "unassign":
        if assignment_of(assignments, operator.id) is None:
            raise ValidationProblem(
                f"{operator.name} is not on the board this shift",
                errors=[FieldError("operator_id", "not assigned")],
            )
        new = [a for a in assignments if a["operator_id"] != operator.id]
    else:
        if line is None:
            raise ValidationProblem("say where to", errors=[FieldError("line_id", "required")])
        found = conflicts(db, shift, assignments, operator, line, machine, action)
        if found:
            raise Conflict(
                "; ".join(c.message for c in found),
                errors=[FieldError(c.field, c.message, code=c.code) for c in found],
                conflicts=[c.as_dict() for c in found],
            )
        new = [a for a in assignments if a["operator_id"] != operator.id]
        new.append(
            {
                "operator_id": operator.id,
                "line_id": line.id,
                "machine_id": machine.id if machine else None,
            }
        )
    _check_areas(db, assignments, new, may_touch_area)
    row = _next_version(
        db,
        site_id,
        shift,
        base_version,
        new,
        action=action,
        operator_id=operator.id,
        reason=reason,
        actor=actor,
    )
    _follow_board(db, shift, assignments, new, now)
    return row


def rollback(
    db: Session,
    site_id: int,
    shift: ShiftRef,
    base_version: int,
    to_version: int,
    reason: str,
    actor: str,
    now: datetime,
    may_touch_area: Callable[[int | None], bool] = lambda _a: True,
) -> AllocationVersion:
    """A new version equal to ``to_version`` (history stays as it was)."""
    old = repo.version(db, site_id, shift.key, to_version)
    if old is None:
        raise ValidationProblem(
            f"this shift has no version {to_version}", errors=[FieldError("to_version", "unknown")]
        )
    _, before = board_assignments(db, site_id, shift.key)
    restored = [dict(a) for a in old.assignments]
    _check_areas(db, before, restored, may_touch_area)
    row = _next_version(
        db,
        site_id,
        shift,
        base_version,
        restored,
        action="rollback",
        operator_id=None,
        reason=reason,
        actor=actor,
        restored_from=to_version,
    )
    _follow_board(db, shift, before, restored, now)
    return row


def _check_areas(
    db: Session,
    before: list[Assignment],
    after: list[Assignment],
    may_touch_area: Callable[[int | None], bool],
) -> None:
    """A supervisor changes only places on lines of their areas (taking someone off a
    line elsewhere too, also as part of a rollback)."""
    was = {a["operator_id"]: a for a in before}
    now_on = {a["operator_id"]: a for a in after}
    for op_id in set(was) | set(now_on):
        if was.get(op_id) == now_on.get(op_id):
            continue
        for a in (was.get(op_id), now_on.get(op_id)):
            if a is None:
                continue
            line = db.get(Line, a["line_id"])
            if line is not None and not may_touch_area(line.area_id):
                raise Forbidden(f"{line.code} is outside your areas")


def _follow_board(
    db: Session, shift: ShiftRef, before: list[Assignment], after: list[Assignment], now: datetime
) -> None:
    """Who is clocked in during the running shift moves with the board (work intervals)."""
    if not shift.window.contains(now):
        return
    was = {a["operator_id"]: a for a in before}
    now_on = {a["operator_id"]: a for a in after}
    for op_id in set(was) | set(now_on):
        if was.get(op_id) == now_on.get(op_id) or repo.open_entry(db, op_id) is None:
            continue
        _close_work(db, op_id, now)
        if (a := now_on.get(op_id)) is not None:
            _open_work(db, op_id, a, now)


# --- clocking -------------------------------------------------------------------------


def _open_work(db: Session, operator_id: int, a: Assignment, now: datetime) -> None:
    db.add(
        WorkInterval(
            operator_id=operator_id,
            line_id=a["line_id"],
            machine_id=a.get("machine_id"),
            started_at=now,
        )
    )


def _close_work(db: Session, operator_id: int, now: datetime) -> None:
    for w in repo.open_work(db, operator_id):
        w.ended_at = max(now, w.started_at)


def clock(
    db: Session,
    operator: Operator,
    action: str,
    actor: str,
    now: datetime,
    station: Assignment | None,
) -> ClockEntry:
    """Clock ``operator`` in (opening work at ``station``, their place on the board) or out.

    ``now`` is when the operator tapped, which for a tap queued offline is earlier than
    its arrival. The same tap arriving twice (the terminal resends after a lost answer)
    finds its own entry and changes nothing."""
    entry = repo.open_entry(db, operator.id)
    last = repo.last_entry(db, operator.id)
    if action == "in" and entry is not None and entry.clock_in == now:
        return entry  # this very tap again
    if action == "out" and entry is None and last is not None and last.clock_out == now:
        return last  # this very tap again
    if last is not None and now < (last.clock_out or last.clock_in):
        raise Conflict(
            f"{operator.name} was clocked {'out' if last.clock_out else 'in'} later than "
            f"this tap; it is not booked",
            errors=[FieldError("at", "before the operator's last clocking")],
        )
    if action == "in":
        if entry is not None:
            raise Conflict(
                f"{operator.name} is already clocked in",
                errors=[FieldError("action", "already clocked in")],
            )
        entry = ClockEntry(operator_id=operator.id, clock_in=now, by_in=actor)
        db.add(entry)
        if station is not None:
            _open_work(db, operator.id, station, now)
        return entry
    if entry is None:
        raise Conflict(
            f"{operator.name} is not clocked in", errors=[FieldError("action", "not clocked in")]
        )
    entry.clock_out = max(now, entry.clock_in)
    entry.by_out = actor
    _close_work(db, operator.id, now)
    return entry


# --- absences and skills --------------------------------------------------------------


def add_absence(
    db: Session, operator: Operator, starts_at: datetime, ends_at: datetime, reason: str, actor: str
) -> Absence:
    if ends_at <= starts_at:
        raise ValidationProblem(
            "an absence ends after it starts", errors=[FieldError("ends_at", "not after starts_at")]
        )
    row = Absence(
        operator_id=operator.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=actor,
    )
    db.add(row)
    return row


def set_skill(
    db: Session, operator: Operator, skill: str, level: int, expires_on: date | None
) -> SkillCertificate:
    """Create or change one cell of the skill matrix (operator × skill)."""
    cell = repo.skill_cell(db, operator.id, skill)
    if cell is None:
        cell = SkillCertificate(operator_id=operator.id, skill=skill)
        db.add(cell)
    cell.level = level
    cell.expires_on = expires_on
    return cell
