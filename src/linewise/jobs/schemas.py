"""The job queue's API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from linewise.core.schemas import ResponseModel
from linewise.jobs.models import JobState


class JobOut(ResponseModel):
    id: int
    queue: str
    kind: str
    args: dict[str, Any]
    state: JobState
    attempt: int
    max_attempts: int
    run_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    locked_by: str | None = Field(description="the worker running it (host:pid:id)")
    idempotency_key: str | None
    last_error: str | None = Field(description="the last failure's traceback (end of it)")


class JobPageOut(ResponseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int


class StateCount(ResponseModel):
    state: JobState
    count: int


class KindCount(ResponseModel):
    kind: str
    state: JobState
    count: int


class JobStatsOut(ResponseModel):
    states: list[StateCount] = Field(description="queue depth per state, every state")
    kinds: list[KindCount]
    oldest_ready_at: datetime | None = Field(
        description="run time of the ready job that has waited longest (none: no backlog)"
    )
