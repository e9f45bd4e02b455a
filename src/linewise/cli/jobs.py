"""`linewise jobs ...` (look at the queue, replay dead jobs) and `linewise worker`."""

from __future__ import annotations

import signal
import threading

import click

from linewise.cli.context import settings, unit_of_work


@click.group("jobs")
def jobs_group() -> None:
    """The background job queue: depth, the dead-letter list, replay."""


def _echo_jobs(state: str | None, kind: str | None, limit: int) -> None:
    from linewise.core.query import ListParams
    from linewise.domains.equipment.site_time import local_when, site_zone
    from linewise.jobs import repository
    from linewise.jobs.models import JobState

    with unit_of_work("cli") as db:
        zone = site_zone(db)
        page = repository.page_of_jobs(
            db, ListParams(limit=limit), JobState(state) if state else None, kind
        )
        for job in page.items:
            error = (job.last_error or "").strip().splitlines()
            click.echo(
                f"{job.id:>8}  {job.state:<10} {job.kind:<32} attempt {job.attempt}/"
                f"{job.max_attempts}  run at {local_when(job.run_at, zone)}"
                + (f"  {error[-1]}" if error else "")
            )
        click.echo(f"{len(page.items)} of {page.total} job(s)")


STATES = click.Choice(["available", "running", "retryable", "succeeded", "dead"])


@jobs_group.command("list")
@click.option("--state", type=STATES, default=None)
@click.option("--kind", default=None)
@click.option("--limit", type=click.IntRange(1, 500), default=50)
def jobs_list(state: str | None, kind: str | None, limit: int) -> None:
    """The newest jobs (optionally of one state or kind)."""
    _echo_jobs(state, kind, limit)


@jobs_group.command("dead")
@click.option("--limit", type=click.IntRange(1, 500), default=50)
def jobs_dead(limit: int) -> None:
    """The dead-letter list: jobs that failed every attempt, with their last error."""
    _echo_jobs("dead", None, limit)


@jobs_group.command("replay")
@click.argument("job_id", type=click.IntRange(min=1))
def jobs_replay(job_id: int) -> None:
    """Put dead job JOB_ID back in the queue with fresh attempts."""
    from linewise.jobs import queue, repository

    with unit_of_work("cli") as db:
        job = repository.get_job(db, job_id)
        if job is None:
            raise click.ClickException(f"job {job_id} not found")
        if not queue.replay(db, job_id):
            raise click.ClickException(f"job {job_id} is {job.state}: only dead jobs replay")
    click.echo(f"job {job_id} ({job.kind}) is queued again")


@jobs_group.command("stats")
def jobs_stats() -> None:
    """Queue depth per state and per kind."""
    from linewise.core.time import utcnow
    from linewise.domains.equipment.site_time import local_when, site_zone
    from linewise.jobs import repository

    with unit_of_work("cli") as db:
        for state, n in repository.depth_by_state(db).items():
            click.echo(f"{state:<10} {n:>8}")
        for kind, state, n in repository.depth_by_kind(db):
            click.echo(f"  {kind:<32} {state:<10} {n:>8}")
        oldest = repository.oldest_ready(db, utcnow())
        if oldest is not None:
            click.echo(f"oldest ready job waits since {local_when(oldest, site_zone(db))}")


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    help="Claim loops in this process (threads).",
)
def worker_command(concurrency: int) -> None:
    """Run background jobs until stopped (SIGTERM / Ctrl-C).

    Start several on PostgreSQL to share the work; on SQLite one process writes at a
    time, so one worker (or the server's own) is enough.
    """
    from linewise.core import audit, events, tracing
    from linewise.core.bus import Bus
    from linewise.core.db import make_engine, make_session_factory
    from linewise.core.logs import configure
    from linewise.server.jobs import make_worker

    cfg = settings()
    configure(cfg.log_format)
    audit.install()
    events.install()
    engine = make_engine(cfg.database_url)
    factory = make_session_factory(engine)
    # Events recorded by handlers reach the servers through NOTIFY (PostgreSQL).
    info: dict[str, object] = {}
    events.bind_bus(info, Bus())
    factory.configure(info=info)
    traced = tracing.configure(cfg.tracing_otlp_endpoint, role="worker")
    worker = make_worker(cfg, factory, concurrency, traced)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker.start()
    click.echo(f"worker {worker.name}: {concurrency} claim loop(s); stop with Ctrl-C")
    stop.wait()
    worker.stop()
    traced.flush()
    engine.dispose()
