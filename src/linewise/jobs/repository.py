"""Reading the queue: pages of jobs and the depth per state and kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.query import ListParams, Page, apply_sort, paginate
from linewise.jobs.models import Job, JobState


def page_of_jobs(
    db: Session, params: ListParams, state: JobState | None = None, kind: str | None = None
) -> Page:
    stmt = select(Job)
    if state is not None:
        stmt = stmt.where(Job.state == state.value)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    sortable = {"id": Job.id, "run_at": Job.run_at, "created_at": Job.created_at}
    stmt = apply_sort(stmt, params.sort or "-id", sortable, [])
    return paginate(db, stmt, params)


def depth_by_state(db: Session) -> dict[str, int]:
    """Jobs per state, every state present (0 when none)."""
    counts = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    return {s.value: int(counts.get(s.value, 0)) for s in JobState}


def depth_by_kind(db: Session) -> list[tuple[str, str, int]]:
    rows = db.execute(
        select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state).order_by(Job.kind)
    ).all()
    return [(kind, state, int(n)) for kind, state, n in rows]


def oldest_ready(db: Session, now: datetime) -> datetime | None:
    """The run time of the job that has waited longest for a worker (queue latency)."""
    return db.scalar(
        select(func.min(Job.run_at)).where(
            Job.state.in_((JobState.AVAILABLE.value, JobState.RETRYABLE.value)), Job.run_at <= now
        )
    )


def get_job(db: Session, job_id: int) -> Job | None:
    return db.get(Job, job_id)
