"""A job kind with a visible database effect, for the queue's tests and the bench: each
run inserts one row (job id) into ``job_test_effects``, in the job's transaction, after
``work_ms`` of work if its args say so."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

from linewise.jobs import JobContext, Registry

KIND = "test.effect"
NOOP = "test.noop"  # no effect at all: what the queue itself costs (the bench)


def create_effects_table(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS job_test_effects (job_id BIGINT NOT NULL)"))
        conn.execute(text("DELETE FROM job_test_effects"))


def effect(ctx: JobContext) -> None:
    if ctx.args.get("work_ms"):  # stands for the job's own work (the kill -9 runs)
        time.sleep(ctx.args["work_ms"] / 1000)
    ctx.session.execute(text("INSERT INTO job_test_effects (job_id) VALUES (:j)"), {"j": ctx.id})


def registry() -> Registry:
    reg = Registry()
    reg.register(KIND, effect)
    reg.register(NOOP, lambda _ctx: None)
    return reg


def effect_counts(engine: Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT job_id, COUNT(*) FROM job_test_effects GROUP BY job_id")
        ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def drop_effects_table(engine: Engine) -> None:
    """The PostgreSQL test database lives for the whole session: leave no extra table."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS job_test_effects"))
