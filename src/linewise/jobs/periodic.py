"""Periodic jobs: enqueue a job at each fire time of a cron expression.

Catch-up policy: the last fire time enqueued is stored per periodic job
(``job_schedules``). When a worker looks and one or more fire times have passed since
(the server was down, or busy), it enqueues **one** job for the latest of them, with
``scheduled_for`` and ``missed`` (how many earlier fire times it stands for) in its args,
never one per missed time. A periodic job seen for the first time starts at its next
fire time. Several processes may look at once: the stored time only moves forward by a
compare-and-set, and the job's idempotency key is the name and the fire time, so a fire
time is enqueued once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from linewise.jobs.models import JobSchedule
from linewise.jobs.queue import enqueue
from linewise.jobs.registry import Periodic


def due(session: Session, periodic: Periodic, now: datetime) -> int | None:
    """Enqueue ``periodic``'s latest due fire time if not done yet; the job id or None."""
    fire = periodic.cron.previous(now, periodic.zone)
    if fire is None:
        return None
    conn = session.connection()
    last = conn.execute(
        select(JobSchedule.last_fire_at).where(JobSchedule.name == periodic.name)
    ).scalar()
    if last is None:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            dialect_insert(JobSchedule)
            .values(name=periodic.name, cron=periodic.cron.expression, last_fire_at=fire)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        return None
    if fire <= last:
        return None
    moved = conn.execute(
        update(JobSchedule)
        .where(JobSchedule.name == periodic.name, JobSchedule.last_fire_at == last)
        .values(last_fire_at=fire, cron=periodic.cron.expression)
    ).rowcount
    if not moved:
        return None  # another process enqueued it
    missed = periodic.cron.count_between(last, fire, periodic.zone) - 1
    args = {**periodic.args, "scheduled_for": fire.isoformat(), "missed": missed}
    return enqueue(
        session, periodic.kind, args, idempotency_key=f"periodic:{periodic.name}:{fire.isoformat()}"
    )
