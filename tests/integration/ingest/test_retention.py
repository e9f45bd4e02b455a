"""Data retention: raw telemetry and machine events past the configured days become
hourly aggregates, through the periodic job on the job queue; audit records stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.audit import AuditRecord
from linewise.core.db import make_session_factory
from linewise.ingest import retention
from linewise.ingest.models import CountEvent, StateEvent, TelemetryHourly, TelemetrySample
from linewise.jobs import queue
from linewise.server.jobs import make_worker
from tests.conftest import World

NOW = datetime.now(UTC).replace(microsecond=0)


def _seed(db: Session, machine: int) -> datetime:
    """Two old hours of telemetry, counts and states, and a recent hour."""
    old = (NOW - timedelta(days=40)).replace(minute=0, second=0)
    for i, (ts, temp) in enumerate(
        [
            (old + timedelta(minutes=5), 20.0),
            (old + timedelta(minutes=25), 24.0),
            (old + timedelta(minutes=55), 22.0),
            (old + timedelta(hours=1, minutes=1), 30.0),
            (NOW - timedelta(hours=1), 99.0),
        ]
    ):
        signals = {"temp": temp, "mode": "auto", "on": True}
        db.add(
            TelemetrySample(
                machine_id=machine,
                event_id=f"t{i}",
                ts=ts,
                signals=signals,
                units={"temp": "degC"},
            )
        )
        db.add(CountEvent(machine_id=machine, event_id=f"c{i}", ts=ts, good=i + 1, reject=i % 2))
        db.add(StateEvent(machine_id=machine, event_id=f"s{i}", ts=ts, state="running"))
    db.commit()
    return old


def _run_job(settings: Settings, engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        queue.enqueue(s, retention.KIND, {"raw_days": 30})
        s.commit()
    # Ingest accepts events up to 10 days old here: the 30-day cut stands.
    accepting = settings.model_copy(update={"ingest_max_past_s": 10 * 86_400})
    worker = make_worker(accepting, factory, concurrency=1)
    while worker.run_once():
        pass
    with factory() as s:
        from linewise.jobs.models import Job

        states = [(j.kind, j.state, j.last_error) for j in s.scalars(select(Job))]
    assert all(status == "succeeded" for _, status, _ in states), states


@pytest.mark.parametrize("twice", [False, True])
def test_old_raw_data_becomes_hourly_aggregates_and_audit_stays(
    db: Session, world: World, settings: Settings, engine: Engine, twice: bool
) -> None:
    machine = world.machine_ids["SMT-1-PNP1"]
    old = _seed(db, machine)
    audit_before = db.scalar(select(func.count()).select_from(AuditRecord))
    good_before = db.scalar(select(func.sum(CountEvent.good)))
    assert audit_before, "the world's creation is audited"

    _run_job(settings, engine)
    if twice:  # a second run (or a retry) changes nothing more
        _run_job(settings, engine)
    db.commit()  # a new read transaction: see what the job wrote

    hourly = list(db.scalars(select(TelemetryHourly).order_by(TelemetryHourly.hour)))
    assert [(h.hour, h.signal, h.samples, h.min, h.mean, h.max, h.unit) for h in hourly] == [
        (old, "temp", 3, 20.0, 22.0, 24.0, "degC"),
        (old + timedelta(hours=1), "temp", 1, 30.0, 30.0, 30.0, "degC"),
    ]
    # Only the recent raw rows stay.
    assert [t.event_id for t in db.scalars(select(TelemetrySample))] == ["t4"]
    assert [s.event_id for s in db.scalars(select(StateEvent))] == ["s4"]
    counts = {c.event_id: c.good for c in db.scalars(select(CountEvent))}
    assert counts == {f"retained:{old:%Y%m%dT%H}:0:0": 1 + 2 + 3, "c3": 4, "c4": 5}
    assert db.scalar(select(func.sum(CountEvent.good))) == good_before
    # Audit records are never deleted by retention.
    assert db.scalar(select(func.count()).select_from(AuditRecord)) == audit_before


def test_a_late_sample_merges_into_its_hour(db: Session, world: World) -> None:
    machine = world.machine_ids["TEST-1-ICT"]
    old = _seed(db, machine)
    retention.apply(db, NOW, 30)
    db.add(
        TelemetrySample(
            machine_id=machine,
            event_id="late",
            ts=old + timedelta(minutes=30),
            signals={"temp": 26.0},
            units=None,
        )
    )
    retention.apply(db, NOW, 30)
    db.commit()
    first = db.scalars(select(TelemetryHourly).order_by(TelemetryHourly.hour)).first()
    assert first is not None
    assert (first.samples, first.min, first.mean, first.max) == (4, 20.0, 23.0, 26.0)


def test_retention_never_cuts_what_ingest_still_accepts(
    db: Session, world: World, settings: Settings, engine: Engine
) -> None:
    """Raw events as old as ingest accepts late ones stay raw whatever the setting."""
    _seed(db, world.machine_ids["SMT-1-PNP1"])
    accepting = settings.model_copy(update={"ingest_max_past_s": 60 * 86_400})
    factory = make_session_factory(engine)
    with factory() as s:
        queue.enqueue(s, retention.KIND, {"raw_days": 30})
        s.commit()
    worker = make_worker(accepting, factory, concurrency=1)
    while worker.run_once():
        pass
    db.commit()
    assert db.scalar(select(func.count()).select_from(TelemetrySample)) == 5
    assert db.scalar(select(func.count()).select_from(TelemetryHourly)) == 0


def test_retention_is_a_periodic_job_only_when_configured(
    settings: Settings, engine: Engine
) -> None:
    from linewise.server.jobs import job_registry

    factory = make_session_factory(engine)
    on = job_registry(settings.model_copy(update={"retention_raw_days": 30}), factory)
    off = job_registry(settings.model_copy(update={"retention_raw_days": 0}), factory)
    assert "retention" in on.periodic
    assert "retention" not in off.periodic
