"""Reads of labour: clock entries, absences, skills, board versions and what labour
figures need from other domains (terminal actions, machine states, material calls)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linewise.domains.accounts.models import User
from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.labour.models import (
    Absence,
    AllocationVersion,
    ClockEntry,
    SkillCertificate,
    WorkInterval,
)
from linewise.domains.people.models import Operator
from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.repository import published_plan_id
from linewise.domains.production.models import RoutingStep, RoutingStepLine
from linewise.domains.terminal.models import AndonCall, AndonKind, TerminalAction
from linewise.ingest.models import StateInterval


def operator_of_user(db: Session, user_id: int | None) -> Operator | None:
    if user_id is None:
        return None
    return db.scalar(select(Operator).where(Operator.user_id == user_id))


def open_entry(db: Session, operator_id: int) -> ClockEntry | None:
    return db.scalar(
        select(ClockEntry).where(
            ClockEntry.operator_id == operator_id, ClockEntry.clock_out.is_(None)
        )
    )


def last_entry(db: Session, operator_id: int) -> ClockEntry | None:
    return db.scalar(
        select(ClockEntry)
        .where(ClockEntry.operator_id == operator_id)
        .order_by(ClockEntry.clock_in.desc(), ClockEntry.id.desc())
        .limit(1)
    )


def open_work(db: Session, operator_id: int) -> list[WorkInterval]:
    return list(
        db.scalars(
            select(WorkInterval).where(
                WorkInterval.operator_id == operator_id, WorkInterval.ended_at.is_(None)
            )
        )
    )


def clock_entries(db: Session, start: datetime, end: datetime) -> list[ClockEntry]:
    return list(
        db.scalars(
            select(ClockEntry)
            .where(ClockEntry.clock_in < end)
            .where(or_(ClockEntry.clock_out.is_(None), ClockEntry.clock_out > start))
            .order_by(ClockEntry.clock_in)
        )
    )


def entries_of(db: Session, operator_ids: Collection[int]) -> list[ClockEntry]:
    return list(
        db.scalars(select(ClockEntry).where(ClockEntry.operator_id.in_(list(operator_ids))))
    )


def work_intervals(db: Session, start: datetime, end: datetime) -> list[WorkInterval]:
    return list(
        db.scalars(
            select(WorkInterval)
            .where(WorkInterval.started_at < end)
            .where(or_(WorkInterval.ended_at.is_(None), WorkInterval.ended_at > start))
            .order_by(WorkInterval.started_at)
        )
    )


def absences(
    db: Session, start: datetime | None = None, end: datetime | None = None
) -> list[Absence]:
    stmt = select(Absence).order_by(Absence.starts_at)
    if start is not None:
        stmt = stmt.where(Absence.ends_at > start)
    if end is not None:
        stmt = stmt.where(Absence.starts_at < end)
    return list(db.scalars(stmt))


def skills(db: Session, operator_ids: Collection[int] | None = None) -> list[SkillCertificate]:
    stmt = select(SkillCertificate).order_by(SkillCertificate.operator_id, SkillCertificate.skill)
    if operator_ids is not None:
        stmt = stmt.where(SkillCertificate.operator_id.in_(list(operator_ids)))
    return list(db.scalars(stmt))


def skill_cell(db: Session, operator_id: int, skill: str) -> SkillCertificate | None:
    return db.scalar(
        select(SkillCertificate).where(
            SkillCertificate.operator_id == operator_id, SkillCertificate.skill == skill
        )
    )


def latest_version(db: Session, site_id: int, shift_key: str) -> AllocationVersion | None:
    return db.scalar(
        select(AllocationVersion)
        .where(AllocationVersion.site_id == site_id, AllocationVersion.shift_key == shift_key)
        .order_by(AllocationVersion.version.desc())
        .limit(1)
    )


def version(db: Session, site_id: int, shift_key: str, number: int) -> AllocationVersion | None:
    return db.scalar(
        select(AllocationVersion).where(
            AllocationVersion.site_id == site_id,
            AllocationVersion.shift_key == shift_key,
            AllocationVersion.version == number,
        )
    )


def history(db: Session, site_id: int, shift_key: str) -> list[AllocationVersion]:
    return list(
        db.scalars(
            select(AllocationVersion)
            .where(AllocationVersion.site_id == site_id, AllocationVersion.shift_key == shift_key)
            .order_by(AllocationVersion.version.desc())
        )
    )


def site_lines(db: Session, site_id: int) -> list[Line]:
    return list(
        db.scalars(
            select(Line)
            .join(Area, Line.area_id == Area.id)
            .where(Area.site_id == site_id)
            .order_by(Line.code)
        )
    )


def active_operators(db: Session) -> list[Operator]:
    return list(
        db.scalars(select(Operator).where(Operator.active.is_(True)).order_by(Operator.name))
    )


def line_skills(db: Session, line_ids: Collection[int]) -> dict[int, set[str]]:
    """The skills the work of each line needs (its eligible routing steps' skills)."""
    rows = db.execute(
        select(RoutingStepLine.line_id, RoutingStep.skill)
        .join(RoutingStep, RoutingStepLine.step_id == RoutingStep.id)
        .where(RoutingStepLine.line_id.in_(list(line_ids)), RoutingStep.skill != "")
        .distinct()
    ).all()
    out: dict[int, set[str]] = {lid: set() for lid in line_ids}
    for line_id, skill in rows:
        out[line_id].add(skill)
    return out


def orders_planned_on_line(db: Session, line_id: int, start: datetime, end: datetime) -> set[int]:
    """The orders the published plan runs on a line between ``start`` and ``end``."""
    rows = db.scalars(
        select(PlannedOperation.order_id)
        .where(
            PlannedOperation.plan_id == published_plan_id(),
            PlannedOperation.line_id == line_id,
            PlannedOperation.start < end,
            PlannedOperation.end > start,
            PlannedOperation.order_id.is_not(None),
        )
        .distinct()
    )
    return {int(r) for r in rows if r is not None}


def current_states(db: Session, machine_ids: Collection[int]) -> dict[int, StateInterval]:
    """Each machine's open state interval (its state now)."""
    rows = db.scalars(
        select(StateInterval).where(
            StateInterval.machine_id.in_(list(machine_ids)), StateInterval.end.is_(None)
        )
    )
    out: dict[int, StateInterval] = {}
    for r in rows:
        if r.machine_id not in out or r.start > out[r.machine_id].start:
            out[r.machine_id] = r
    return out


def states_between(
    db: Session, machine_ids: Collection[int], start: datetime, end: datetime
) -> list[StateInterval]:
    return list(
        db.scalars(
            select(StateInterval)
            .where(StateInterval.machine_id.in_(list(machine_ids)), StateInterval.start < end)
            .where(or_(StateInterval.end.is_(None), StateInterval.end > start))
        )
    )


def material_calls(
    db: Session, line_ids: Collection[int], start: datetime, end: datetime
) -> list[AndonCall]:
    return list(
        db.scalars(
            select(AndonCall)
            .where(
                AndonCall.kind == AndonKind.MATERIAL.value, AndonCall.line_id.in_(list(line_ids))
            )
            .where(AndonCall.raised_at < end)
            .where(or_(AndonCall.acknowledged_at.is_(None), AndonCall.acknowledged_at > start))
        )
    )


def operator_actions(
    db: Session, start: datetime, end: datetime, operation_id: int | None = None
) -> list[tuple[TerminalAction, int | None]]:
    """Terminal actions (not quantity reports) with the operator who tapped them."""
    actors = {
        f"user:{username}": op_id
        for username, op_id in db.execute(
            select(User.username, Operator.id).join(Operator, Operator.user_id == User.id)
        ).all()
    }
    stmt = select(TerminalAction).where(TerminalAction.kind != "report")
    if operation_id is not None:
        stmt = stmt.where(TerminalAction.operation_id == operation_id)
    else:
        stmt = stmt.where(TerminalAction.created_at >= start, TerminalAction.created_at < end)
    return [(a, actors.get(a.actor)) for a in db.scalars(stmt.order_by(TerminalAction.created_at))]


def machines_of(db: Session, line_ids: Collection[int]) -> list[Machine]:
    return list(db.scalars(select(Machine).where(Machine.line_id.in_(list(line_ids)))))


def site_ids(db: Session) -> list[int]:
    from linewise.domains.equipment.models import Site

    return list(db.scalars(select(Site.id).order_by(Site.id)))


T = TypeVar("T")


def get(db: Session, model: type[T], row_id: int | None) -> T | None:
    return None if row_id is None else db.get(model, row_id)


def delete(db: Session, row: object) -> None:
    db.delete(row)
