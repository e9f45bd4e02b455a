"""Operators with skills and areas; shift calendars (patterns, breaks, holidays)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin
from linewise.domains.equipment.models import Area

operator_areas = Table(
    "operator_areas",
    Base.metadata,
    Column("operator_id", ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class Operator(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "operators"
    __audited__ = True
    __audit_exclude__ = frozenset({"pin_hash"})
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    shift_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    areas: Mapped[list[Area]] = relationship(secondary=operator_areas, order_by="Area.id")
    # Terminal sign-in: the badge number and an argon2 hash of the PIN (set by a
    # supervisor); the session opened is that of the linked user account.
    badge: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    @property
    def area_ids(self) -> list[int]:
        return [a.id for a in self.areas]


class ShiftCalendar(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A site's (or one line's) working time; planned operation time comes from here.

    One per site (``line_id`` empty) and one per line, so that every reader resolves the
    same calendar (``working_time.py``); the partial unique indexes hold it in the database.
    """

    __tablename__ = "shift_calendars"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_shift_calendars_site",
            "site_id",
            unique=True,
            sqlite_where=text("line_id IS NULL"),
            postgresql_where=text("line_id IS NULL"),
        ),
        Index(
            "uq_shift_calendars_line",
            "line_id",
            unique=True,
            sqlite_where=text("line_id IS NOT NULL"),
            postgresql_where=text("line_id IS NOT NULL"),
        ),
    )
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("lines.id", ondelete="CASCADE"), nullable=True
    )
    patterns: Mapped[list[ShiftPattern]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="ShiftPattern.start"
    )
    holidays: Mapped[list[Holiday]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="Holiday.day"
    )


class ShiftPattern(IdMixin, VersionedMixin, Base):
    """A weekly recurring shift in site-local time, e.g. A 06:00–14:00 Mon–Fri."""

    __tablename__ = "shift_patterns"
    __audited__ = True
    calendar_id: Mapped[int] = mapped_column(ForeignKey("shift_calendars.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[str] = mapped_column(String(5))  # "HH:MM" site-local
    end: Mapped[str] = mapped_column(String(5))  # may be <= start: the shift ends next day
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    breaks: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    calendar: Mapped[ShiftCalendar] = relationship(back_populates="patterns")


class Holiday(IdMixin, Base):
    __tablename__ = "holidays"
    __audited__ = True
    calendar_id: Mapped[int] = mapped_column(ForeignKey("shift_calendars.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")
    calendar: Mapped[ShiftCalendar] = relationship(back_populates="holidays")


__all__ = ["Holiday", "Operator", "ShiftCalendar", "ShiftPattern", "operator_areas"]
