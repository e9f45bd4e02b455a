"""The rollup refresher fills every closed machine-day ahead of queries, after ingest quiets.

Uses the random plant of the rollup tests; the figures from the refreshed rollups must
equal the exact path, also after a late event dropped a day and the refresher put it back.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from linewise.cli.main import main
from linewise.config import get_settings
from linewise.domains.performance import refresher as refresher_module
from linewise.domains.performance.models import MachineDayRollup
from linewise.domains.performance.refresher import Refresher, refresh_sites, run_refresher
from linewise.domains.performance.service import compute, resolve_scope, summary
from linewise.kpi import Convention, TimeWindow, site_day
from tests.conftest import World
from tests.integration.performance.test_rollups import (
    DAYS,
    FIRST,
    NOW,
    TZ,
    _ingest,
    plant,  # noqa: F401  (fixture)
)

CLOSED_DAYS = DAYS - 1  # the last day is open at NOW


def _stored(db: Session) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(MachineDayRollup)) or 0)


def _machines(db: Session, world: World) -> int:
    return len(resolve_scope(db, "site", world.site_id, None).machines)


def test_refresher_waits_for_quiet_ingest_then_fills_and_refills(
    db: Session,
    engine: Engine,
    plant: World,  # noqa: F811
) -> None:
    refresher = Refresher(sessionmaker(bind=engine, expire_on_commit=False))
    assert refresher.tick(NOW) is None  # the first look only learns where ingest is
    done = refresher.tick(NOW)
    assert done is not None
    machines = _machines(db, plant)
    # Rows from the first data day (the plant's data starts 3 h before FIRST, local).
    assert _stored(db) == sum(s.filled for s in done) >= machines * CLOSED_DAYS
    assert refresher.tick(NOW) is not None and _stored(db) == sum(s.filled for s in done)

    late = site_day(TZ, FIRST + timedelta(days=6)).start + timedelta(hours=10)
    _ingest(engine, [{"id": "late-r1", "ts": late.isoformat(), "machine": "SMT-1-PNP1",
                      "type": "state", "state": "down"}])  # fmt: skip
    assert refresher.tick(NOW) is None  # events arrived since the last look: wait
    again = refresher.tick(NOW)
    assert again is not None and sum(s.filled for s in again) >= 1  # the dropped days back
    assert _stored(db) == sum(s.filled for s in done)

    scope = resolve_scope(db, "site", plant.site_id, None)
    window = TimeWindow(site_day(TZ, FIRST).start, NOW)
    fast = compute(db, scope, window, Convention.ISO_22400, NOW)
    exact = compute(db, scope, window, Convention.ISO_22400, NOW, use_rollups=False)
    assert fast.rolled is not None and summary(fast.total) == summary(exact.total)


def test_refresher_does_not_wait_forever_on_a_plant_that_never_goes_quiet(
    db: Session,
    engine: Engine,
    plant: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(refresher_module, "MAX_DEFER", 2)
    refresher = Refresher(sessionmaker(bind=engine, expire_on_commit=False))
    for n in range(2):
        _ingest(engine, [{"id": f"live-{n}", "ts": NOW.isoformat(), "machine": "SMT-1-AOI",
                          "type": "state", "state": "producing"}])  # fmt: skip
        assert refresher.tick(NOW) is None
    assert refresher.tick(NOW) is not None
    assert _stored(db) >= _machines(db, plant) * CLOSED_DAYS


def test_background_loop_runs_passes_until_cancelled(
    db: Session,
    engine: Engine,
    plant: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(refresher_module, "utcnow", lambda: NOW)

    async def scenario() -> None:
        task = asyncio.create_task(
            run_refresher(sessionmaker(bind=engine, expire_on_commit=False), 0.05)
        )
        for _ in range(400):
            await asyncio.sleep(0.05)
            if _stored(db):
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert _stored(db) >= _machines(db, plant) * CLOSED_DAYS


def test_kpi_refresh_command(
    db: Session,
    engine: Engine,
    plant: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINEWISE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr("linewise.core.time.utcnow", lambda: NOW)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(main, ["kpi", "refresh", "--days", "3"])
        assert out.exit_code == 0, out.output
        assert _stored(db) == 3 * _machines(db, plant)
        assert "machine-days filled" in out.output
        out = CliRunner().invoke(main, ["kpi", "refresh"])
        assert out.exit_code == 0, out.output
        unknown = CliRunner().invoke(main, ["kpi", "refresh", "--site", "NOPE"])
        assert unknown.exit_code == 1 and "no such site: NOPE" in unknown.output
    finally:
        get_settings.cache_clear()
    assert _stored(db) >= _machines(db, plant) * CLOSED_DAYS
    assert refresh_sites(db, NOW)[0].filled == 0  # nothing left to do
