"""Plan versions, solve runs and what-if scenarios as stored.

A plan is immutable once published or superseded; only drafts are edited (moves). Each
plan keeps the compressed engine instance it was built from, so that a move is checked
by the validator against exactly the problem the solver saw, not against a database that
changed since.

``schedule_runs.plan_id`` / ``heuristic_plan_id`` are plain integers, not foreign keys:
plans already point at their run, and a cycle of foreign keys would make creating,
truncating and deleting these tables order-dependent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin
from linewise.core.time import utcnow


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class PlanKind(StrEnum):
    HEURISTIC = "heuristic"  # the immediate fallback of a run
    OPTIMIZED = "optimized"  # the run's final result
    PROPOSAL = "proposal"  # re-planned around a disruption; accept = publish
    BASELINE = "baseline"  # a scenario's copy of the plan it started from
    ADOPTED = "adopted"  # a scenario's plan taken over as the factory plan (its run_id)


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"
    FAILED = "failed"


class PlanningScenario(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A what-if: a baseline plan plus changes, solved like the real plan."""

    __tablename__ = "planning_scenarios"
    __audited__ = True
    name: Mapped[str] = mapped_column(String(200))
    changes: Mapped[list[ScenarioChange]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="ScenarioChange.id"
    )


class ScenarioChange(IdMixin, Base):
    """One change of a scenario; ``payload`` is validated per ``kind`` by the API."""

    __tablename__ = "scenario_changes"
    __audited__ = True
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("planning_scenarios.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    scenario: Mapped[PlanningScenario] = relationship(back_populates="changes")


class ScheduleRun(IdMixin, Base):
    """A solve job: parameters, state, progress and the plans it produced."""

    __tablename__ = "schedule_runs"
    __table_args__ = (Index("ix_schedule_runs_scenario_state", "scenario_id", "state"),)
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("planning_scenarios.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="solve")  # solve | replan
    state: Mapped[str] = mapped_column(String(20), default=RunState.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    progress: Mapped[list[dict[str, float]]] = mapped_column(JSON, default=list)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    trigger: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    heuristic_plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SchedulePlan(IdMixin, VersionedMixin, TimestampMixin, Base):
    """One plan version with its objective values and what the solver proved."""

    __tablename__ = "schedule_plans"
    __audited__ = True
    __audit_exclude__ = frozenset({"instance_blob"})
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_runs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("planning_scenarios.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT, index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    horizon_start: Mapped[datetime] = mapped_column(UTCDateTime())
    horizon_end: Mapped[datetime] = mapped_column(UTCDateTime())
    solver_status: Mapped[str] = mapped_column(String(30))
    objective: Mapped[dict[str, int]] = mapped_column(JSON)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    gap: Mapped[float | None] = mapped_column(Float, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # zlib-compressed JSON of the engine instance (see planning/snapshot.py).
    instance_blob: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    operations: Mapped[list[PlannedOperation]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="PlannedOperation.start",
        passive_deletes=True,
    )


class PlannedOperation(IdMixin, Base):
    """Where and when one operation runs in a plan.

    Order fields are copied in so that a scenario's rush order (which exists nowhere
    else) shows on the Gantt like any other, and old plans stay readable after orders
    change. ``job_key``/``op_index`` tie the row to the engine instance of the plan.
    """

    __tablename__ = "planned_operations"
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_plans.id", ondelete="CASCADE"), index=True
    )
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_operations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("production_orders.id", ondelete="SET NULL"), nullable=True
    )
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    job_key: Mapped[str] = mapped_column(String(80))
    op_index: Mapped[int] = mapped_column(Integer)
    order_number: Mapped[str] = mapped_column(String(60))
    product_code: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    setup_s: Mapped[int] = mapped_column(Integer, default=0)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    plan: Mapped[SchedulePlan] = relationship(back_populates="operations")


__all__ = [
    "PlanKind",
    "PlanStatus",
    "PlannedOperation",
    "PlanningScenario",
    "RunState",
    "ScenarioChange",
    "SchedulePlan",
    "ScheduleRun",
]
