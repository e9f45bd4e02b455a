"""Queries of the people domain: shift calendars and where lines and machines sit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.people.models import ShiftCalendar


@dataclass(frozen=True)
class LinePlace:
    """A line and the site it belongs to (whose time zone its calendar is read in)."""

    line_id: int
    site_id: int
    timezone: str


def calendars(db: Session, site_ids: Collection[int] | None = None) -> Sequence[ShiftCalendar]:
    """Calendars with their patterns and holidays, in id order."""
    stmt = select(ShiftCalendar).options(
        selectinload(ShiftCalendar.patterns), selectinload(ShiftCalendar.holidays)
    )
    if site_ids is not None:
        stmt = stmt.where(ShiftCalendar.site_id.in_(list(site_ids)))
    return db.scalars(stmt.order_by(ShiftCalendar.id)).all()


def line_places(db: Session, site_ids: Collection[int] | None = None) -> list[LinePlace]:
    stmt = (
        select(Line.id, Site.id, Site.timezone)
        .join(Area, Line.area_id == Area.id)
        .join(Site, Area.site_id == Site.id)
        .order_by(Line.id)
    )
    if site_ids is not None:
        stmt = stmt.where(Site.id.in_(list(site_ids)))
    return [LinePlace(lid, sid, tz) for lid, sid, tz in db.execute(stmt).all()]


def site_timezones(db: Session, site_ids: Collection[int] | None = None) -> dict[int, str]:
    stmt = select(Site.id, Site.timezone).order_by(Site.id)
    if site_ids is not None:
        stmt = stmt.where(Site.id.in_(list(site_ids)))
    return {sid: tz for sid, tz in db.execute(stmt).all()}


def sites_of_lines(db: Session, line_ids: Collection[int]) -> set[int]:
    rows = db.scalars(
        select(Area.site_id).join(Line, Line.area_id == Area.id).where(Line.id.in_(list(line_ids)))
    )
    return set(rows)


def lines_of_machines(db: Session, machine_ids: Collection[int]) -> dict[int, int]:
    rows = db.execute(select(Machine.id, Machine.line_id).where(Machine.id.in_(list(machine_ids))))
    return {mid: lid for mid, lid in rows.all()}


def site_of_line(db: Session, line_id: int) -> int | None:
    return db.scalar(
        select(Area.site_id).join(Line, Line.area_id == Area.id).where(Line.id == line_id)
    )


def calendar_of_scope(
    db: Session, site_id: int, line_id: int | None, other_than: int | None
) -> ShiftCalendar | None:
    """The calendar already held by a site (``line_id`` None) or a line, if any."""
    stmt = select(ShiftCalendar)
    if line_id is None:
        stmt = stmt.where(ShiftCalendar.site_id == site_id, ShiftCalendar.line_id.is_(None))
    else:
        stmt = stmt.where(ShiftCalendar.line_id == line_id)
    if other_than is not None:
        stmt = stmt.where(ShiftCalendar.id != other_than)
    return db.scalars(stmt.order_by(ShiftCalendar.id).limit(1)).first()
