"""The job queue's tables: ``jobs`` (one row per job, its whole life) and
``job_schedules`` (the last fire time of each periodic job)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime

# SQLite makes only an INTEGER PRIMARY KEY the rowid (auto-numbered).
JobId = BigInteger().with_variant(Integer(), "sqlite")


class JobState(StrEnum):
    AVAILABLE = "available"  # waiting for run_at, then for a worker
    RUNNING = "running"  # claimed by locked_by, which heartbeats
    RETRYABLE = "retryable"  # failed, attempts left: runs again at run_at (backoff)
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # failed max_attempts times: the dead-letter list, replayable


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # The claim's search: only ready jobs, in the claim's order (run time, id) per
        # queue, so that taking the next 50 reads 50 index entries, not every ready job.
        Index(
            "ix_jobs_ready",
            "queue",
            "run_at",
            "id",
            postgresql_where=text("state IN ('available', 'retryable')"),
            sqlite_where=text("state IN ('available', 'retryable')"),
        ),
        Index("ix_jobs_state", "state", "id"),
        Index("ix_jobs_locked_by", "locked_by"),
        Index("ix_jobs_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(JobId, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(String(60), default="default")
    kind: Mapped[str] = mapped_column(String(120))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default=JobState.AVAILABLE.value)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The request that enqueued it (X-Request-ID): its log lines carry the same id.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class JobSchedule(Base):
    """A periodic job's memory: the fire time it last enqueued (UTC)."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    cron: Mapped[str] = mapped_column(String(120))
    last_fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
