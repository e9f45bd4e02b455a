"""The job queue on SQLite and PostgreSQL: enqueue, claim, finish, retry, dead letter,
replay, idempotency keys, the reaper and periodic catch-up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from linewise.jobs import Backoff, JobContext, Registry, enqueue, queue
from linewise.jobs import periodic as periodic_jobs
from linewise.jobs.models import Job, JobSchedule
from linewise.jobs.queue import enqueue_many
from linewise.jobs.worker import Worker
from tests.integration.jobs.effects import (
    KIND,
    create_effects_table,
    effect_counts,
    registry,
)
from tests.services import wait_until


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    create_effects_table(engine)
    yield make_session_factory(engine)


def _job(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as db:
        found = db.get(Job, job_id)
        assert found is not None
        return found


def test_enqueue_commits_with_the_callers_transaction(factory: sessionmaker[Session]) -> None:
    with factory() as db:
        enqueue(db, KIND, {"n": 1})
        db.rollback()  # the caller's work failed: its job goes with it
    with session_scope(factory) as db:
        kept = enqueue(db, KIND, {"n": 2})
    with factory() as db:
        assert db.scalars(select(Job.id)).all() == [kept]


def test_a_worker_claims_runs_and_completes_each_job_once(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with session_scope(factory) as db:
        ids = [enqueue(db, KIND, {"n": i}) for i in range(45)]
    worker = Worker(factory, registry(), batch=10)
    while worker.run_once():
        pass
    assert worker.completed == 45
    assert effect_counts(engine) == dict.fromkeys(ids, 1)
    job = _job(factory, ids[0])
    assert (job.state, job.attempt, job.locked_by) == ("succeeded", 1, None)
    assert job.finished_at is not None


def test_a_failing_job_is_retried_with_backoff_then_dead_then_replayed(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    broken = {"on": True}

    def flaky(ctx: JobContext) -> None:
        ctx.session.execute(select(1))  # wrote nothing, but used the savepoint
        if broken["on"]:
            raise RuntimeError("printer on fire")

    reg = Registry()
    reg.register("test.flaky", flaky)
    with session_scope(factory) as db:
        job_id = enqueue(db, "test.flaky")
    worker = Worker(factory, reg, backoff=Backoff(base_s=10, jitter=0))
    delays = []
    for attempt in (1, 2, 3):
        before = utcnow()
        assert worker.run_once() == 1
        job = _job(factory, job_id)
        assert job.attempt == attempt
        assert "printer on fire" in (job.last_error or "")
        if attempt < 3:
            assert job.state == "retryable"
            delays.append((job.run_at - before).total_seconds())
            assert worker.run_once() == 0  # not before its backoff is over
            with session_scope(factory) as db:
                db.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow()))
    assert job.state == "dead"
    assert 10 <= delays[0] < 11 and 20 <= delays[1] < 21  # 10 s, then 20 s
    with session_scope(factory) as db:
        assert not queue.replay(db, job_id + 1000)  # no such dead job
        assert queue.replay(db, job_id)
    broken["on"] = False
    assert worker.run_once() == 1
    job = _job(factory, job_id)
    assert (job.state, job.attempt) == ("succeeded", 1)
    with session_scope(factory) as db:
        assert not queue.replay(db, job_id)  # only dead jobs are replayed


def test_a_failed_jobs_writes_are_rolled_back_and_its_neighbours_kept(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    def half(ctx: JobContext) -> None:
        from tests.integration.jobs.effects import effect

        effect(ctx)
        if ctx.args["fail"]:
            raise ValueError("after writing")

    reg = Registry()
    reg.register("test.half", half)
    with session_scope(factory) as db:
        good = enqueue(db, "test.half", {"fail": False})
        bad = enqueue(db, "test.half", {"fail": True})
        good2 = enqueue(db, "test.half", {"fail": False})
    Worker(factory, reg).run_once()
    assert effect_counts(engine) == {good: 1, good2: 1}
    assert _job(factory, bad).state == "retryable"


def test_an_idempotency_key_enqueues_once(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as db:
        first = enqueue(db, KIND, {"n": 1}, idempotency_key="order-7-released")
    with session_scope(factory) as db:
        again = enqueue(db, KIND, {"n": 2}, idempotency_key="order-7-released")
        other = enqueue(db, KIND, {"n": 3}, idempotency_key="order-8-released")
    assert again == first != other
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(Job)) == 2
        assert db.get(Job, first).args == {"n": 1}  # type: ignore[union-attr]


def test_the_reaper_gives_back_a_dead_workers_jobs(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with session_scope(factory) as db:
        ids = [enqueue(db, KIND) for _ in range(3)]
        last_try = enqueue(db, KIND, max_attempts=1)
    with session_scope(factory) as db:
        claimed = queue.claim(db.connection(), "gone", 10, ["default"])
    assert sorted(c.id for c in claimed) == sorted([*ids, last_try])
    with session_scope(factory) as db:  # fresh heartbeats: nothing to reap
        assert queue.reap(db.connection(), timedelta(seconds=30)) == 0
        db.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(seconds=31)))
    with session_scope(factory) as db:
        assert queue.reap(db.connection(), timedelta(seconds=30)) == 4
    assert _job(factory, ids[0]).state == "available"
    assert _job(factory, last_try).state == "dead"  # that was its last attempt
    assert "gone stopped heartbeating" in (_job(factory, last_try).last_error or "")
    with session_scope(factory) as db:  # the lost worker comes back: it owns nothing
        assert queue.succeed(db.connection(), ids, "gone") == 0
    worker = Worker(factory, registry())
    assert worker.run_once() == 3
    assert effect_counts(engine) == dict.fromkeys(ids, 1)


def test_a_worker_recovers_a_killed_workers_jobs_by_itself(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with session_scope(factory) as db:
        ids = [enqueue(db, KIND) for _ in range(5)]
    with session_scope(factory) as db:
        queue.claim(db.connection(), "killed", 10, ["default"])
    worker = Worker(factory, registry(), heartbeat_s=0.1, stale_after_s=0.5, poll_s=0.05)
    worker.start()
    try:
        wait_until(lambda: worker.completed == 5, timeout=20, what="the reaped jobs to run")
    finally:
        worker.stop()
    assert effect_counts(engine) == dict.fromkeys(ids, 1)


def test_workers_in_threads_run_every_job_once(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with session_scope(factory) as db:
        enqueue_many(db, KIND, [{"n": i} for i in range(600)])
    workers = [Worker(factory, registry(), concurrency=2, batch=25, poll_s=0.05) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        wait_until(lambda: sum(w.completed for w in workers) >= 600, timeout=60, what="600 jobs")
    finally:
        for w in workers:
            w.stop()
    counts = effect_counts(engine)
    assert len(counts) == 600 and set(counts.values()) == {1}
    assert sum(w.completed for w in workers) == 600


def test_periodic_jobs_catch_up_missed_runs_once(factory: sessionmaker[Session]) -> None:
    reg = registry()
    reg.every("tidy", "*/5 * * * *", KIND, zone="Europe/Berlin", args={"what": "tidy"})
    tidy = reg.periodic["tidy"]
    now = datetime(2026, 12, 6, 9, 7, 30, tzinfo=UTC)  # 10:07:30 in Berlin
    with session_scope(factory) as db:  # first look: starts at the next fire time
        assert periodic_jobs.due(db, tidy, now) is None
    with session_scope(factory) as db:
        assert periodic_jobs.due(db, tidy, now + timedelta(minutes=1)) is None
    # Down from 10:08 until 11:01: the fire times 10:10 ... 11:00 (11 of them) were missed.
    later = datetime(2026, 12, 6, 10, 1, tzinfo=UTC)
    with session_scope(factory) as db:
        job_id = periodic_jobs.due(db, tidy, later)
    with session_scope(factory) as db:  # a second process looking at the same moment
        assert periodic_jobs.due(db, tidy, later) is None
    assert job_id is not None
    job = _job(factory, job_id)
    assert job.args == {"what": "tidy", "scheduled_for": "2026-12-06T10:00:00+00:00", "missed": 10}
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(Job)) == 1
        stored = db.get(JobSchedule, "tidy")
        assert stored is not None and stored.last_fire_at == datetime(2026, 12, 6, 10, tzinfo=UTC)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_on_postgresql_a_notify_wakes_an_idle_worker(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    # Polling only every 60 s: a job run within seconds was woken by the NOTIFY that its
    # enqueueing transaction sent at commit.
    worker = Worker(factory, registry(), poll_s=60, heartbeat_s=60)
    worker.start()
    try:
        assert worker.listening.wait(10)
        wait_until(lambda: _idle(worker), timeout=10, what="the worker to go idle")
        with session_scope(factory) as db:
            job_id = enqueue(db, KIND)
        wait_until(lambda: worker.completed == 1, timeout=10, what="the woken worker")
    finally:
        worker.stop()
    assert effect_counts(engine) == {job_id: 1}


def _idle(worker: Worker) -> bool:
    return worker.run_once() == 0  # nothing ready: the claim loop is waiting too


def test_a_job_whose_statement_fails_spoils_only_itself(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    from sqlalchemy import text

    from tests.integration.jobs.effects import effect

    def strict(ctx: JobContext) -> None:
        effect(ctx)
        if ctx.args["null"]:  # a constraint violation inside the batch's transaction
            ctx.session.execute(text("INSERT INTO job_test_effects (job_id) VALUES (NULL)"))

    reg = Registry()
    reg.register("test.strict", strict)
    with session_scope(factory) as db:
        good = enqueue(db, "test.strict", {"null": False})
        bad = enqueue(db, "test.strict", {"null": True})
        good2 = enqueue(db, "test.strict", {"null": False})
    Worker(factory, reg).run_once()
    assert effect_counts(engine) == {good: 1, good2: 1}
    failed = _job(factory, bad)
    assert failed.state == "retryable"
    assert "IntegrityError" in (failed.last_error or "")


def test_a_batch_handler_reads_what_it_wrote_and_orm_updates_count_rows(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    """On PostgreSQL the batch's INSERTs are pipelined (not waited for one by one): a read
    after them, and an ORM update whose row count is checked, still see every write."""
    from sqlalchemy import text

    from tests.integration.jobs.effects import effect

    seen: dict[int, int] = {}

    def reader(ctx: JobContext) -> None:
        effect(ctx)
        effect(ctx)
        seen[ctx.id] = int(
            ctx.session.execute(
                text("SELECT COUNT(*) FROM job_test_effects WHERE job_id = :j"), {"j": ctx.id}
            ).scalar_one()
        )
        job = ctx.session.get(Job, ctx.id)
        assert job is not None
        job.last_error = "note"  # an UPDATE through the ORM, row count checked
        ctx.session.flush()

    reg = Registry()
    reg.register("test.reader", reader)
    with session_scope(factory) as db:
        ids = [enqueue(db, "test.reader") for _ in range(5)]
    Worker(factory, reg).run_once()
    assert seen == dict.fromkeys(ids, 2)
    assert effect_counts(engine) == dict.fromkeys(ids, 2)
    assert {_job(factory, i).state for i in ids} == {"succeeded"}


def test_the_nightly_prune_keeps_recent_and_dead_jobs(factory: sessionmaker[Session]) -> None:
    from linewise.config import Settings
    from linewise.server.jobs import job_registry

    old = utcnow() - timedelta(days=8)
    with session_scope(factory) as db:
        ids = {name: enqueue(db, KIND) for name in ("old_done", "new_done", "old_dead", "ready")}
        db.execute(
            update(Job)
            .where(Job.id.in_([ids["old_done"], ids["old_dead"]]))
            .values(finished_at=old)
        )
        db.execute(
            update(Job)
            .where(Job.id.in_([ids["old_done"], ids["new_done"]]))
            .values(state="succeeded")
        )
        db.execute(update(Job).where(Job.id == ids["new_done"]).values(finished_at=utcnow()))
        db.execute(update(Job).where(Job.id == ids["old_dead"]).values(state="dead"))
        enqueue(db, queue.PRUNE_KIND)
    reg = job_registry(Settings(database_url="sqlite://"), factory)
    assert reg.periodic["jobs-prune"].cron.expression == "17 3 * * *"
    worker = Worker(factory, reg, queues=["default"])
    with session_scope(factory) as db:  # only the prune job is ready to run
        db.execute(update(Job).where(Job.id == ids["ready"]).values(run_at=utcnow() + timedelta(1)))
    assert worker.run_once() == 1
    with factory() as db:
        left = set(db.scalars(select(Job.id)))
    assert ids["old_done"] not in left
    assert {ids["new_done"], ids["old_dead"], ids["ready"]} <= left
