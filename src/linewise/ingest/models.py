"""Machine data as stored: raw events (idempotent on their id), projections, quarantine.

Raw state and count events are kept so that projections can be rebuilt when an event
arrives late; KPI queries read the projections (state intervals) and counts, never raw
telemetry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")  # SQLite rowid aliasing needs INTEGER


class StateEvent(Base):
    __tablename__ = "state_events"
    __table_args__ = (
        UniqueConstraint("machine_id", "event_id"),
        Index("ix_state_events_machine_ts", "machine_id", "ts"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(80))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(60), nullable=True)
    fault: Mapped[str | None] = mapped_column(String(60), nullable=True)


class CountEvent(Base):
    __tablename__ = "count_events"
    __table_args__ = (
        UniqueConstraint("machine_id", "event_id"),
        Index("ix_count_events_machine_ts", "machine_id", "ts"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(80))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    good: Mapped[int] = mapped_column(Integer)
    reject: Mapped[int] = mapped_column(Integer)
    rework: Mapped[int] = mapped_column(Integer, default=0)
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_operations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True
    )


class TelemetrySample(Base):
    __tablename__ = "telemetry"
    __table_args__ = (
        UniqueConstraint("machine_id", "event_id"),
        Index("ix_telemetry_machine_ts", "machine_id", "ts"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(80))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    signals: Mapped[dict[str, Any]] = mapped_column(JSON)
    units: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class TelemetryHourly(Base):
    """Telemetry older than the retention (LINEWISE_RETENTION_RAW_DAYS), as it is kept:
    one row per machine, signal and hour (UTC) with the samples' count, min, mean, max."""

    __tablename__ = "telemetry_hourly"
    __table_args__ = (UniqueConstraint("machine_id", "signal", "hour"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    signal: Mapped[str] = mapped_column(String(80))
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    samples: Mapped[int] = mapped_column(Integer)
    min: Mapped[float] = mapped_column(Float)
    mean: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40), nullable=True)


class InspectionEvent(Base):
    """A test or inspection machine's result as received (projected by quality)."""

    __tablename__ = "inspection_events"
    __table_args__ = (
        UniqueConstraint("machine_id", "event_id"),
        Index("ix_inspection_events_machine_ts", "machine_id", "ts"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(80))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class StateInterval(Base):
    """A machine's state from ``start`` until ``end`` (None: still in it)."""

    __tablename__ = "state_intervals"
    __table_args__ = (Index("ix_state_intervals_machine_start", "machine_id", "start"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(60), nullable=True)
    fault: Mapped[str | None] = mapped_column(String(60), nullable=True)


class QuarantinedEvent(Base):
    """An event that could not be accepted, kept with the reason so nothing is lost."""

    __tablename__ = "ingest_quarantine"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # What makes a redelivered copy recognisable (source, field, payload and its place
    # among identical refusals of one message); None on rows older than the column.
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
