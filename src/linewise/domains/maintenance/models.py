"""Maintenance: preventive plans, maintenance orders with their checklist and labour.

A plan belongs to one machine or to a machine class (``Machine.kind``); it triggers by
time (every N days), by usage (producing hours, cycles or units counted from machine
data) or by condition (a telemetry signal past a threshold). The ``maintenance.generate``
job turns due plans into orders ahead of time (lead time) with a tolerance window, and
opens corrective orders from down stops longer than a set time, linked to the stop.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin
from linewise.core.time import utcnow


class MaintenanceTrigger(StrEnum):
    TIME = "time"  # every ``interval_days``
    USAGE = "usage"  # every ``usage_every`` of ``usage_metric``
    CONDITION = "condition"  # ``signal`` above (or below) ``threshold``
    ANOMALY = "anomaly"  # the streaming anomaly detector alarms on ``signal`` (or any)


class MaintenanceUsageMetric(StrEnum):
    PRODUCING_HOURS = "producing_hours"  # hours in state producing (state intervals)
    CYCLES = "cycles"  # count events (one per machine cycle or panel)
    UNITS = "units"  # good + reject + rework units counted


class MaintenanceKind(StrEnum):
    PREVENTIVE = "preventive"
    CORRECTIVE = "corrective"


class MaintenanceStatus(StrEnum):
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATUSES = (
    MaintenanceStatus.PLANNED,
    MaintenanceStatus.SCHEDULED,
    MaintenanceStatus.IN_PROGRESS,
)


class MaintenanceStepResult(StrEnum):
    OK = "ok"
    NOT_OK = "not_ok"
    NOT_APPLICABLE = "not_applicable"


class MaintenancePlan(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "maintenance_plans"
    __audited__ = True
    name: Mapped[str] = mapped_column(String(200))
    # Exactly one of the two: one machine, or every machine of a class.
    machine_id: Mapped[int | None] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), nullable=True, index=True
    )
    machine_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    trigger: Mapped[str] = mapped_column(String(20))
    interval_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    usage_metric: Mapped[str | None] = mapped_column(String(20), nullable=True)
    usage_every: Mapped[float | None] = mapped_column(Float, nullable=True)
    signal: Mapped[str | None] = mapped_column(String(60), nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    above: Mapped[bool] = mapped_column(Boolean, default=True)
    # How long the machine is out when the work is done (the maintenance window).
    duration_min: Mapped[float] = mapped_column(Float, default=60.0)
    lead_days: Mapped[float] = mapped_column(Float, default=7.0)
    tolerance_days: Mapped[float] = mapped_column(Float, default=2.0)
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The spare parts the work is expected to use ([{"material_id", "qty"}]): shown on
    # its orders to book from; nothing is reserved or booked until a part is used.
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")


class MaintenanceOrder(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "maintenance_orders"
    __audited__ = True
    __table_args__ = (
        # One generated order per plan, machine and due time; one corrective per stop.
        Index("ux_maintenance_orders_plan_due", "plan_id", "machine_id", "due_at", unique=True),
        Index("ux_maintenance_orders_stop", "machine_id", "stop_start", unique=True),
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=MaintenanceStatus.PLANNED.value)
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_plans.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    # Preventive: when it is due and the tolerance window it counts as on time in.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_min: Mapped[float] = mapped_column(Float, default=60.0)
    # The maintenance window it is scheduled in (planned downtime of the machine's line).
    scheduled_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    scheduled_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Corrective: the down stop it was opened from (the machine's state interval start).
    stop_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120), default="system")
    trigger_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    steps: Mapped[list[MaintenanceStep]] = relationship(
        back_populates="order", order_by="MaintenanceStep.seq", cascade="all, delete-orphan"
    )
    labour: Mapped[list[MaintenanceLabour]] = relationship(
        back_populates="order", order_by="MaintenanceLabour.id", cascade="all, delete-orphan"
    )


class MaintenanceStep(IdMixin, Base):
    __tablename__ = "maintenance_steps"
    order_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_orders.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    done_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    order: Mapped[MaintenanceOrder] = relationship(back_populates="steps")


class MaintenanceLabour(IdMixin, Base):
    __tablename__ = "maintenance_labour"
    order_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_orders.id", ondelete="CASCADE"), index=True
    )
    who: Mapped[str] = mapped_column(String(120))
    minutes: Mapped[float] = mapped_column(Float)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    booked_by: Mapped[str] = mapped_column(String(120))
    order: Mapped[MaintenanceOrder] = relationship(back_populates="labour")


class WarningStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # someone has seen it; later alarms still join it
    RESOLVED = "resolved"  # the episode is closed; the next alarm opens a new warning


class AnomalyWarning(IdMixin, VersionedMixin, TimestampMixin, Base):
    """An early warning: one episode of the live anomaly detector's alarms on a machine.

    Written by the ingest projection (``live.py``) in the transaction that stores the
    telemetry; an alarm joins the machine's latest unresolved warning when it comes within
    ``live.EPISODE_GAP`` of its last alarm, so a drift that alarms every hour is one
    warning, not one per alarm.
    """

    __tablename__ = "maintenance_warnings"
    __audited__ = True
    __table_args__ = (Index("ix_maintenance_warnings_machine_last", "machine_id", "last_at"),)
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the first alarm's sample
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the latest alarm's sample
    score: Mapped[float] = mapped_column(Float)  # the highest score of the episode
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)  # every signal behind it
    alarms: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=WarningStatus.OPEN.value)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_orders.id", ondelete="SET NULL"), nullable=True
    )
    # The baseline the detector ran on (``AnomalyModel.version``), None: learned live.
    model_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DetectorState(Base):
    """The live detector of one machine, as plain data (``analytics.anomaly.machine_state``),
    written in the same transaction as the telemetry it has seen: it survives a restart,
    and a rolled-back batch leaves it as it was."""

    __tablename__ = "maintenance_detector_state"
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    samples: Mapped[int] = mapped_column(Integer, default=0)  # points fed since it started
    last_ts: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    model_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A random tag per written state (``live.py``): a process holding the detector it
    # wrote under this tag skips rebuilding it; NULL (a trained baseline) always reloads.
    etag: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AnomalyModelStatus(StrEnum):
    TRAINED = "trained"
    INSUFFICIENT = "insufficient"  # not enough history: nothing learned, nothing guessed


class AnomalyModel(IdMixin, TimestampMixin, Base):
    """A trained baseline of a machine's anomaly detector (``training.py``, the job
    ``maintenance.train``): learned from the first part of the machine's own telemetry
    history, evaluated on the held-out rest against its down stops. Versions count per
    machine; the newest trained one is active and the live detector starts from it, unless
    a planner chose an older one or switched the baseline off."""

    __tablename__ = "maintenance_anomaly_models"
    # Which version is active is a planner's decision (activate, switch off): audited;
    # the baseline itself is tens of kilobytes of learned state, not a fact to chain.
    __audited__ = True
    __audit_exclude__ = frozenset({"baseline"})
    __table_args__ = (
        Index("ux_maintenance_anomaly_models_version", "machine_id", "version", unique=True),
    )
    machine_id: Mapped[int] = mapped_column(ForeignKey("machines.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The history read, split in time: trained on [train_start, train_end), evaluated on
    # [train_end, holdout_end).
    train_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    train_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    holdout_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    train_samples: Mapped[int] = mapped_column(Integer, default=0)
    holdout_samples: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class MaintenanceDocument(IdMixin, Base):
    """A file or photo on a maintenance order (a PDF or an image); the bytes live in the
    documents' blob store (``domains/documents``), checked by the same upload rules."""

    __tablename__ = "maintenance_documents"
    __audited__ = True
    order_id: Mapped[int] = mapped_column(
        ForeignKey("maintenance_orders.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(120))
