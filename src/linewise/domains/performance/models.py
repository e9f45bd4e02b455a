"""Downtime reason assignments and the per machine-day KPI rollups.

A stop is keyed by (machine, start): state-interval ids change whenever late events make
ingest rebuild the intervals, but the instant a stop began does not.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class DowntimeAssignment(IdMixin, VersionedMixin, TimestampMixin, Base):
    """The reason a person gave to a stop that the machine reported without one."""

    __tablename__ = "downtime_assignments"
    __audited__ = True
    __table_args__ = (UniqueConstraint("machine_id", "stop_start"),)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    stop_start: Mapped[datetime] = mapped_column(UTCDateTime())
    reason_code_id: Mapped[int] = mapped_column(
        ForeignKey("reason_codes.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(String(60))  # the code, as the Pareto groups by it
    note: Mapped[str] = mapped_column(String(500), default="")
    assigned_by: Mapped[str] = mapped_column(String(120))


class MachineDayRollup(Base):
    """One machine's time elements and counts over one site-local day, as the engine gave them.

    A cache, never the truth: rows are dropped when newer data or master data could
    change them and are recomputed from intervals and counts on the next query.
    """

    __tablename__ = "kpi_machine_days"
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    pot_s: Mapped[float] = mapped_column(Float)
    pdot_s: Mapped[float] = mapped_column(Float)
    apt_s: Mapped[float] = mapped_column(Float)
    asut_s: Mapped[float] = mapped_column(Float)
    adot_s: Mapped[float] = mapped_column(Float)
    unknown_s: Mapped[float] = mapped_column(Float)
    adet_minor_stops_s: Mapped[float] = mapped_column(Float)
    adet_idle_short_s: Mapped[float] = mapped_column(Float)
    adet_idle_long_s: Mapped[float] = mapped_column(Float)
    overtime_s: Mapped[float] = mapped_column(Float)
    not_planned_s: Mapped[float] = mapped_column(Float)
    produced: Mapped[int] = mapped_column(Integer)
    good: Mapped[int] = mapped_column(Integer)
    scrap: Mapped[int] = mapped_column(Integer)
    rework: Mapped[int] = mapped_column(Integer)
    inspected: Mapped[int] = mapped_column(Integer)
    first_pass_good: Mapped[int] = mapped_column(Integer)
    ideal_produced_s: Mapped[float] = mapped_column(Float)
    ideal_good_s: Mapped[float] = mapped_column(Float)
    failures: Mapped[int] = mapped_column(Integer)
    minor_stops: Mapped[int] = mapped_column(Integer)
    uncounted: Mapped[int] = mapped_column(Integer, default=0)  # counts without a PRU


class StopDayRollup(Base):
    """Lost time and stop counts of one machine-day grouped the ways the Pareto groups."""

    __tablename__ = "kpi_stop_days"
    __table_args__ = (Index("ix_kpi_stop_days_day_machine", "day", "machine_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(60), nullable=True)
    fault: Mapped[str | None] = mapped_column(String(60), nullable=True)
    minor: Mapped[bool] = mapped_column(Boolean)
    shift: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lost_s: Mapped[float] = mapped_column(Float)
    stops: Mapped[int] = mapped_column(Integer)


class RollupMark(Base):
    """How far the rollups have seen: event-id watermarks and a master-data fingerprint."""

    __tablename__ = "kpi_rollup_marks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    count_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
