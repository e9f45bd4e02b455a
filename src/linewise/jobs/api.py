"""Routes of the job queue: the jobs by state and kind, the depth, replaying dead ones."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from linewise.api.crud import list_params
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import Conflict, NotFound
from linewise.core.query import ListParams
from linewise.core.time import utcnow
from linewise.jobs import queue, repository
from linewise.jobs.models import JobState
from linewise.jobs.schemas import JobOut, JobPageOut, JobStatsOut

router = APIRouter(tags=["jobs"])
JOB_ID = Path(ge=1, le=2**63 - 1)


@router.get("/jobs", response_model=JobPageOut)
def list_jobs(
    params: ListParams = Depends(list_params),
    state: JobState | None = Query(None),
    kind: str | None = Query(None, max_length=120),
    _p: Principal = Depends(require("jobs:admin")),
    db: Session = Depends(get_db),
) -> Any:
    """Jobs, newest first; ``state=dead`` is the dead-letter list."""
    page = repository.page_of_jobs(db, params, state, kind)
    return {
        "items": [JobOut.model_validate(j, from_attributes=True) for j in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get("/jobs/stats", response_model=JobStatsOut)
def job_stats(_p: Principal = Depends(require("jobs:admin")), db: Session = Depends(get_db)) -> Any:
    return {
        "states": [{"state": s, "count": n} for s, n in repository.depth_by_state(db).items()],
        "kinds": [{"kind": k, "state": s, "count": n} for k, s, n in repository.depth_by_kind(db)],
        "oldest_ready_at": repository.oldest_ready(db, utcnow()),
    }


@router.post("/jobs/{job_id}/replay", response_model=JobOut)
def replay_job(
    job_id: int = JOB_ID,
    _p: Principal = Depends(require("jobs:admin")),
    db: Session = Depends(get_db),
) -> Any:
    """Put a dead job back in the queue with fresh attempts (409 unless it is dead)."""
    job = repository.get_job(db, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if not queue.replay(db, job_id):
        raise Conflict(f"job {job_id} is {job.state}: only dead jobs can be replayed")
    db.refresh(job)
    return JobOut.model_validate(job, from_attributes=True)
