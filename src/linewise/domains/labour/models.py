"""What labour stores: clock entries, who works where, absences, the skill matrix and the
allocation board's versions (each change a new version; history is never edited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin
from linewise.core.time import utcnow


class ClockEntry(IdMixin, Base):
    """One attendance interval: clocked in at ``clock_in``, out at ``clock_out`` (None: in)."""

    __tablename__ = "labour_clock"
    __audited__ = True
    __table_args__ = (
        # At most one open entry per operator: a second "clock in" racing the first is
        # refused by the database, not only by the service's read.
        Index(
            "uq_labour_clock_open",
            "operator_id",
            unique=True,
            sqlite_where=text("clock_out IS NULL"),
            postgresql_where=text("clock_out IS NULL"),
        ),
        Index("ix_labour_clock_operator_in", "operator_id", "clock_in"),
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    clock_in: Mapped[datetime] = mapped_column(UTCDateTime())
    clock_out: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    by_in: Mapped[str] = mapped_column(String(120), default="")
    by_out: Mapped[str | None] = mapped_column(String(120), nullable=True)


class WorkInterval(IdMixin, Base):
    """Who worked where: an operator at a line (and machine) from ``started_at`` to
    ``ended_at``, opened at clock-in on the operator's station of the shift and closed at
    clock-out or when the board moves them."""

    __tablename__ = "labour_work_intervals"
    __table_args__ = (Index("ix_labour_work_operator_start", "operator_id", "started_at"),)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    machine_id: Mapped[int | None] = mapped_column(
        ForeignKey("machines.id", ondelete="SET NULL"), nullable=True
    )
    operation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Absence(IdMixin, Base):
    """An operator away from ``starts_at`` to ``ends_at`` (entered by a supervisor)."""

    __tablename__ = "labour_absences"
    __audited__ = True
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SkillCertificate(IdMixin, Base):
    """One cell of the skill matrix: an operator's level in a skill, valid until a date."""

    __tablename__ = "labour_skills"
    __audited__ = True
    __table_args__ = (UniqueConstraint("operator_id", "skill"),)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(60))
    level: Mapped[int] = mapped_column(Integer, default=1)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class AllocationVersion(IdMixin, Base):
    """The whole board of one shift of one site after one change.

    ``assignments`` is the full list after the change, so any version can be shown or
    restored alone; a rollback is a new version equal to an old one. The unique
    (site, shift, version) makes two supervisors saving on the same version collide in
    the database (the second gets 409 and re-reads), never silently overwrite.
    """

    __tablename__ = "allocation_versions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("site_id", "shift_key", "version"),)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    shift_key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    operator_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assignments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
