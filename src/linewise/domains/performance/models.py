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
    """One machine's time elements and counts over one closed site-local day.

    A cache, never the truth: rows are dropped when newer data or master data could
    change them and are recomputed from intervals and counts on the next query. Times
    are whole microseconds (integers), so SQL sums over any number of days are exact
    and equal to what the engine adds up with ``timedelta``.
    """

    __tablename__ = "kpi_machine_days"
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    pot_us: Mapped[int] = mapped_column(BigInteger)
    pdot_us: Mapped[int] = mapped_column(BigInteger)
    apt_us: Mapped[int] = mapped_column(BigInteger)
    asut_us: Mapped[int] = mapped_column(BigInteger)
    adot_us: Mapped[int] = mapped_column(BigInteger)
    unknown_us: Mapped[int] = mapped_column(BigInteger)
    adet_minor_stops_us: Mapped[int] = mapped_column(BigInteger)
    adet_idle_short_us: Mapped[int] = mapped_column(BigInteger)
    adet_idle_long_us: Mapped[int] = mapped_column(BigInteger)
    overtime_us: Mapped[int] = mapped_column(BigInteger)
    not_planned_us: Mapped[int] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(Integer)
    minor_stops: Mapped[int] = mapped_column(Integer)
    uncounted: Mapped[int] = mapped_column(Integer)  # units without a product or PRU


class ProductDayRollup(Base):
    """Counts of one product on one machine-day.

    Kept per product (not as Σ PRU × PQ) because the engine multiplies each product's
    summed quantity by its PRU once; summing per-day products of floats would differ in
    the last bit, and output-based line OEE needs good units per product anyway.
    """

    __tablename__ = "kpi_product_days"
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    product: Mapped[str] = mapped_column(String(120), primary_key=True)  # the engine's label
    produced: Mapped[int] = mapped_column(BigInteger)
    good: Mapped[int] = mapped_column(BigInteger)
    scrap: Mapped[int] = mapped_column(BigInteger)
    rework: Mapped[int] = mapped_column(BigInteger)
    inspected: Mapped[int] = mapped_column(BigInteger)
    first_pass_good: Mapped[int] = mapped_column(BigInteger)


class StopDayRollup(Base):
    """Lost time and stop counts of one machine-day, grouped the ways the Pareto groups.

    ``reason`` is the assigned reason where a person gave one. Missing reason, fault or
    shift are stored as "" (the Pareto shows both "" and none as unassigned).
    """

    __tablename__ = "kpi_stop_days"
    __table_args__ = (Index("ix_kpi_stop_days_day_machine", "day", "machine_id"),)
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(String(60), primary_key=True)
    fault: Mapped[str] = mapped_column(String(60), primary_key=True)
    minor: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    shift: Mapped[str] = mapped_column(String(80), primary_key=True)
    lost_us: Mapped[int] = mapped_column(BigInteger)
    stops: Mapped[int] = mapped_column(Integer)


class RollupMark(Base):
    """Per machine: the master-data fingerprint its rollups were computed with, and the
    earliest instant new events touched since (ingest lowers it in the same transaction
    that stores the events; the next query drops the rollups from that day on).
    """

    __tablename__ = "kpi_rollup_marks"
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
