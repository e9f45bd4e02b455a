"""The live path's cache of detectors (``domains/maintenance/live.py``), on SQLite and
PostgreSQL: a process goes on from the detector it wrote only while the stored state is
still the one it wrote. A rolled-back batch, another process's batch and a trained
baseline each make it rebuild from the stored state, so the stored detector always ends
as the pure engine fed the committed samples once, in order."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from linewise.analytics.anomaly import (
    MachineDetector,
    as_kind,
    machine_detector,
    machine_from_state,
    machine_state,
)
from linewise.config import Settings
from linewise.domains.maintenance import live
from linewise.domains.maintenance.models import DetectorState
from linewise.ingest.projections import StoredBatch, StoredSample
from linewise.server.projections import ingest_projections
from tests.conftest import World

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _samples(machine_id: int, idx: range) -> list[StoredSample]:
    return [
        StoredSample(
            machine_id,
            f"e{i}",
            T0 + timedelta(minutes=i),
            {"vacuum_kpa": 80.0 + (i % 7), "current_a": 5.0 + math.sin(i / 30)},
        )
        for i in idx
    ]


def _art() -> MachineDetector:
    return MachineDetector(art={}, learn=200)  # ART beside it: the dearer state


def _feed(engine: Engine, machine_id: int, idx: range, cache: live.DetectorCache) -> None:
    with engine.begin() as conn:
        live.feed(conn, machine_id, _samples(machine_id, idx), new=_art, cache=cache)


def _stored(engine: Engine, machine_id: int) -> DetectorState:
    with engine.connect() as conn:
        row = conn.execute(
            select(DetectorState.state, DetectorState.samples, DetectorState.etag).where(
                DetectorState.machine_id == machine_id
            )
        ).one()
    return row  # type: ignore[no-any-return]


def _pure(idx: range) -> dict[str, object]:
    m = _art()
    for s in _samples(0, idx):
        m.update(live.numeric(s.signals))
    return machine_state(m)


def test_the_cache_follows_the_stored_state(engine: Engine, world: World) -> None:
    machine = world.machine_ids["SMT-1-PNP1"]
    first, second = live.DetectorCache(), live.DetectorCache()  # two processes

    _feed(engine, machine, range(0, 300), first)
    tag = _stored(engine, machine).etag
    assert tag and len(tag) == 32

    # A batch rolled back after the detector ran: the cached detector has seen it, the
    # stored state has not; the next batch must not count it.
    with pytest.raises(RuntimeError), engine.begin() as conn:
        live.feed(conn, machine, _samples(machine, range(300, 400)), new=_art, cache=first)
        raise RuntimeError("the recorder's transaction fails after the projection")
    assert _stored(engine, machine).etag == tag
    _feed(engine, machine, range(300, 400), first)  # the retry

    # Another process feeds the next batch: the first one's detector is behind.
    _feed(engine, machine, range(400, 500), second)
    _feed(engine, machine, range(500, 650), first)
    stored = _stored(engine, machine)
    assert stored.samples == 650
    assert stored.state == _pure(range(0, 650))

    # A trained baseline replaces the state with no tag: every process starts from it.
    baseline = _art()
    with engine.begin() as conn:
        conn.execute(
            update(DetectorState)
            .where(DetectorState.machine_id == machine)
            .values(state=machine_state(baseline), samples=0, etag=None)
        )
    _feed(engine, machine, range(650, 700), first)
    after = machine_from_state(_stored(engine, machine).state)
    assert {k: d.n for k, d in after.detectors.items()} == {"vacuum_kpa": 50, "current_a": 50}


def test_an_unchanged_state_is_not_rebuilt(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = world.machine_ids["SMT-1-PNP1"]
    cache = live.DetectorCache()
    _feed(engine, machine, range(0, 300), cache)
    rebuilt: list[int] = []

    def counted(s: dict[str, object]) -> MachineDetector:
        rebuilt.append(1)
        return machine_from_state(s)

    monkeypatch.setattr(live, "machine_from_state", counted)
    _feed(engine, machine, range(300, 400), cache)
    assert rebuilt == []
    _feed(engine, machine, range(400, 500), live.DetectorCache())  # a process without it
    assert rebuilt == [1]
    assert _stored(engine, machine).state == _pure(range(0, 500))


def _watch(settings: Settings) -> live.AnomalyWatch:
    [watch] = [p for p in ingest_projections(settings) if isinstance(p, live.AnomalyWatch)]
    return watch


def test_the_setting_chooses_the_live_detector_and_converts_a_stored_one(
    engine: Engine, world: World, settings: Settings
) -> None:
    machine = world.machine_ids["SMT-1-PNP1"]
    novelty = _watch(settings.model_copy(update={"anomaly_detector": "novelty"}))
    art = _watch(settings)  # the default
    assert (novelty.kind, art.kind) == ("novelty", "art")

    def apply(watch: live.AnomalyWatch, idx: range) -> None:
        with engine.begin() as conn:
            watch.apply(conn, StoredBatch(T0, samples=_samples(machine, idx)))

    apply(novelty, range(0, 300))
    assert machine_from_state(_stored(engine, machine).state).art is None
    # The site switches to ART: the stored novelty detector goes on, ART learns beside it.
    live.CACHE.clear()
    apply(art, range(300, 400))
    pure = machine_detector("novelty")
    for s in _samples(machine, range(0, 300)):
        pure.update(live.numeric(s.signals))
    as_kind(pure, "art")
    for s in _samples(machine, range(300, 400)):
        pure.update(live.numeric(s.signals))
    assert pure.art is not None and _stored(engine, machine).state == machine_state(pure)
    # and back, through the process's cache this time: ART dropped
    apply(novelty, range(400, 450))
    after = machine_from_state(_stored(engine, machine).state)
    assert after.art is None and after.detectors["vacuum_kpa"].n == 450
