"""Day rollups answer exactly what the exact path answers, also after the data changes.

Random machine data over twelve days around the autumn DST change (a 25-hour day) go
through the real ingest path; every figure, line block, warning and Pareto row from the
rollup path is compared with the exact path (no tolerance), before and after a late event
rewrites a past day, a reason is assigned and the calendar changes.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Line, Machine
from linewise.domains.people.models import ShiftPattern
from linewise.domains.performance import downtime
from linewise.domains.performance.loader import load_states
from linewise.domains.performance.models import MachineDayRollup, RollupMark
from linewise.domains.performance.pareto import pareto_of
from linewise.domains.performance.refresher import refresh_sites
from linewise.domains.performance.service import (
    compute,
    line_block,
    resolve_scope,
    summary,
)
from linewise.domains.performance.windows import ResolvedWindow
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.kpi import (
    Convention,
    MachineState,
    ParetoMeasure,
    TimeWindow,
    by_fault,
    by_line,
    by_machine,
    by_reason,
    by_shift,
    pareto,
    site_day,
)
from linewise.server.projections import ingest_projections, order_references
from tests.conftest import World
from tests.writes import recorded_writes

PROJECTIONS = ingest_projections()

TZ = "Europe/Berlin"
FIRST = date(2026, 10, 20)
DAYS = 12  # 2026-10-25 is the 25-hour day
NOW = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)  # the last day (Nov 1) is still open
REASONS = ("nozzle_jam", "feeder_error", None, None)
FAULTS = ("F1", "F2", None)


def _events(machines: list[str], seed: int) -> list[dict[str, Any]]:
    """States with minor and long stops (some across midnight), hourly-ish counts."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    end = site_day(TZ, FIRST + timedelta(days=DAYS - 1)).start + timedelta(hours=14)
    for machine in machines:
        t = site_day(TZ, FIRST).start - timedelta(hours=3)
        n = 0
        while t < end:
            n += 1
            roll = rng.random()
            extra: dict[str, Any] = {}
            if roll < 0.45:
                state, seconds = "producing", rng.randint(600, 7200)
            elif roll < 0.62:
                state, seconds = "down", rng.choice([rng.randint(20, 110), rng.randint(300, 4000)])
                extra = {"reason": rng.choice(REASONS), "fault": rng.choice(FAULTS)}
            elif roll < 0.64:
                state, seconds = "down", rng.randint(20_000, 120_000)  # across midnight
                extra = {"reason": rng.choice(REASONS)}
            elif roll < 0.80:
                state, seconds = "idle", rng.choice([rng.randint(20, 100), rng.randint(300, 3000)])
                extra = {"reason": rng.choice(["starved", "blocked", None])}
            elif roll < 0.90:
                state, seconds = "setup", rng.randint(300, 2400)
            elif roll < 0.95:
                state, seconds = "offline", rng.randint(60, 3600)
            else:
                state, seconds = "planned_stop", rng.randint(600, 3600)
            extra = {k: v for k, v in extra.items() if v}
            out.append({"id": f"{machine}-s{n}", "ts": t.isoformat(), "machine": machine,
                        "type": "state", "state": state, **extra})  # fmt: skip
            if rng.random() < 0.2:  # a re-coded stop / heartbeat within the same state
                half = t + timedelta(seconds=seconds // 2)
                out.append({"id": f"{machine}-h{n}", "ts": half.isoformat(), "machine": machine,
                            "type": "state", "state": state, "reason": "recoded"})  # fmt: skip
            t += timedelta(seconds=seconds)
        c = site_day(TZ, FIRST).start
        k = 0
        while c < end:
            k += 1
            c += timedelta(minutes=rng.randint(20, 90))
            product = rng.choice(["CTRL-100", "PSU-24", "PSU-24"])
            good, reject, rework = rng.randint(0, 60), rng.randint(0, 3), rng.randint(0, 2)
            out.append({"id": f"{machine}-c{k}", "ts": c.isoformat(), "machine": machine,
                        "type": "count", "product": product, "good": good,
                        "reject": reject, "rework": min(rework, good)})  # fmt: skip
    return out


def _ingest(engine: Engine, items: list[dict[str, Any]]) -> None:
    refs = References(order_references())
    for i in range(0, len(items), 500):
        decoded, rejects = decode(items[i : i + 500], now=NOW + timedelta(days=1))
        with engine.begin() as conn:
            result = write_events(conn, refs, decoded, rejects, "test", projections=PROJECTIONS)
        assert not result.rejected, result.rejected[:3]


@pytest.fixture
def plant(db: Session, engine: Engine, world: World, factory: dict[str, int]) -> World:
    """A second SMT station (slower, own threshold) so line OEE has a real line."""
    smt = db.get(Line, world.line_ids["SMT-1"])
    aoi = Machine(line=smt, code="SMT-1-AOI", name="AOI", kind="aoi", position=2,
                  speed_factor=0.9, minor_stop_threshold_s=90)  # fmt: skip
    db.add(aoi)
    db.commit()
    world.machine_ids["SMT-1-AOI"] = aoi.id
    _ingest(engine, _events(["SMT-1-PNP1", "SMT-1-AOI", "TEST-1-ICT"], seed=7))
    return world


def _windows() -> list[TimeWindow]:
    day = lambda d: site_day(TZ, FIRST + timedelta(days=d)).start  # noqa: E731
    return [
        TimeWindow(day(0), day(DAYS)),  # all of it, today included
        TimeWindow(day(2), day(9)),  # whole days across the DST change
        TimeWindow(day(1) + timedelta(hours=7, minutes=13), day(8) + timedelta(hours=19)),
        TimeWindow(day(5) - timedelta(minutes=1), day(6) + timedelta(seconds=1)),
        TimeWindow(day(3), NOW - timedelta(minutes=30)),  # ends in the open day
        # Ragged at both ends and running into the open day ("this month" at 14:59:53).
        TimeWindow(day(0) + timedelta(hours=5, minutes=3), NOW - timedelta(seconds=7)),
        TimeWindow(day(DAYS - 1) + timedelta(hours=2), NOW),  # inside the open day only
        TimeWindow(day(4) + timedelta(hours=23, minutes=59), day(5) + timedelta(hours=1)),
    ]


def _figures(computed: Any) -> dict[str, Any]:
    return {
        "total": summary(computed.total),
        "machines": [(m.code, summary(e)) for m, e in computed.machines],
        "lines": [line_block(i, line) for i, line in computed.lines],
        "warnings": computed.warnings,
    }


def _assert_same(db: Session, kind: str, scope_id: int, windows: list[TimeWindow]) -> int:
    """Rollup path == exact path for figures and every Pareto grouping; returns #rolled.

    The refresher fills the rollups first (queries never write), then every query runs
    in a transaction that must stay clean.
    """
    refresh_sites(db, NOW)
    db.commit()
    with recorded_writes(db.get_bind()) as writes:  # type: ignore[arg-type]
        rolled_used = _compare(db, kind, scope_id, windows)
    assert writes == []
    db.rollback()  # end the read snapshot, so the next ingest is seen (SQLite WAL)
    return rolled_used


def _compare(db: Session, kind: str, scope_id: int, windows: list[TimeWindow]) -> int:
    scope = resolve_scope(db, kind, scope_id, None)
    rolled_used = 0
    for window in windows:
        exact = compute(db, scope, window, Convention.ISO_22400, NOW, use_rollups=False)
        fast = compute(db, scope, window, Convention.ISO_22400, NOW)
        rolled_used += fast.rolled is not None
        assert _figures(fast) == _figures(exact), (kind, window)
        six = compute(db, scope, window, Convention.SIX_BIG_LOSSES, NOW)
        assert summary(six.total) == summary(
            compute(db, scope, window, Convention.SIX_BIG_LOSSES, NOW, use_rollups=False).total
        )
        line_of = {m.code: m.line_code for m, _ in exact.machines}
        keys = {
            "reason": by_reason,
            "fault": by_fault,
            "machine": by_machine,
            "line": by_line(line_of),
            "shift": by_shift(scope.calendars.site),
        }
        resolved = ResolvedWindow(window, "range", window.label())
        for by, key in keys.items():
            for minor, idle in ((True, False), (False, True)):
                states = frozenset(
                    {MachineState.DOWN, MachineState.IDLE} if idle else {MachineState.DOWN}
                )
                want = pareto(exact.total.stops, key, ParetoMeasure.DURATION, minor, states)
                got = pareto_of(db, scope, resolved, by, ParetoMeasure.DURATION, minor, idle, NOW)[
                    "rows"
                ]
                assert got == [asdict(r) for r in want], (kind, by, window)
    return rolled_used


def test_rollups_equal_the_exact_path_for_every_scope(db: Session, plant: World) -> None:
    windows = _windows()
    # Every window but the two without a whole closed day uses the rollups.
    assert _assert_same(db, "site", plant.site_id, windows) == len(windows) - 2
    assert db.scalar(select(MachineDayRollup.day).order_by(MachineDayRollup.day.desc())) == date(
        2026, 10, 31
    )  # the open day (Nov 1) is never stored
    _assert_same(db, "area", plant.area_ids["SMT"], windows[1:3])
    _assert_same(db, "line", plant.line_ids["SMT-1"], windows[:2])
    _assert_same(db, "machine", plant.machine_ids["SMT-1-AOI"], windows[2:])
    # A second pass reads only stored days and still agrees.
    _assert_same(db, "site", plant.site_id, windows[:2])


def test_late_event_assignment_and_calendar_change_keep_rollups_exact(
    db: Session, engine: Engine, plant: World, factory: dict[str, int]
) -> None:
    windows = _windows()[:3]
    _assert_same(db, "site", plant.site_id, windows)
    pnp = plant.machine_ids["SMT-1-PNP1"]
    scope = resolve_scope(db, "site", plant.site_id, None)
    before = summary(compute(db, scope, windows[1], Convention.ISO_22400, NOW).total)
    db.rollback()

    # A late stop in a past, already rolled-up day rebuilds that machine's intervals.
    late = site_day(TZ, FIRST + timedelta(days=4)).start + timedelta(hours=9, seconds=17)
    _ingest(engine, [
        {"id": "late-1", "ts": late.isoformat(), "machine": "SMT-1-PNP1", "type": "state",
         "state": "down"},
        {"id": "late-2", "ts": (late + timedelta(minutes=47)).isoformat(),
         "machine": "SMT-1-PNP1", "type": "state", "state": "producing"},
        {"id": "late-3", "ts": (late + timedelta(hours=30)).isoformat(),
         "machine": "SMT-1-AOI", "type": "count", "product": "CTRL-100", "good": 500},
    ])  # fmt: skip
    marks = dict(db.execute(select(RollupMark.machine_id, RollupMark.stale_since)).all())
    assert marks[pnp] is not None and marks[pnp] <= late
    db.rollback()
    # Before the refresher runs again, a query reads the days the mark leaves valid and
    # computes the rest exactly: the same figures, and nothing written.
    with recorded_writes(db.get_bind()) as writes:  # type: ignore[arg-type]
        _compare(db, "site", plant.site_id, windows)
    assert writes == []
    db.rollback()
    _assert_same(db, "site", plant.site_id, windows)
    after = summary(compute(db, scope, windows[1], Convention.ISO_22400, NOW).total)
    assert after != before
    assert after["counts"]["GQ"] == before["counts"]["GQ"] + 500
    db.rollback()

    # A person gives the stop holding the late down event a reason.
    runs = downtime.down_runs(db, [pnp], late - timedelta(days=2))
    stop = next(r for r in runs if r.start <= late and (r.end is None or late < r.end))
    downtime.assign(db, machine_id=pnp, start=stop.start, reason_code_id=factory["material"],
                    note="", actor="test", area_ids=None)  # fmt: skip
    db.commit()
    _assert_same(db, "site", plant.site_id, windows)
    rows = pareto_of(db, scope, ResolvedWindow(windows[1], "range", "w"), "reason",
                     ParetoMeasure.DURATION, True, False, NOW)["rows"]  # fmt: skip
    assert "material" in {r["key"] for r in rows}
    db.rollback()

    # The calendar changes: the early shift gets longer and a holiday is added.
    pattern = db.scalar(select(ShiftPattern).where(ShiftPattern.code == "A"))
    assert pattern is not None
    pattern.end = "15:30"
    db.commit()
    _assert_same(db, "site", plant.site_id, windows)
    longer = summary(compute(db, resolve_scope(db, "site", plant.site_id, None), windows[1],
                             Convention.ISO_22400, NOW).total)  # fmt: skip
    assert longer["time_elements_s"]["pot"] > after["time_elements_s"]["pot"]
    db.rollback()

    # Master data of one machine: a new minor-stop threshold and speed factor.
    aoi = db.get(Machine, plant.machine_ids["SMT-1-AOI"])
    assert aoi is not None
    aoi.minor_stop_threshold_s = 600
    aoi.speed_factor = 1.1
    db.commit()
    _assert_same(db, "site", plant.site_id, windows)


def test_loader_reads_the_window_and_the_whole_of_the_stops_it_cuts(
    db: Session, engine: Engine, world: World, factory: dict[str, int]
) -> None:
    """The interval in force long before a window, a stop's later first reason, its head."""
    t0 = datetime(2026, 10, 20, 4, 0, tzinfo=UTC)  # 06:00 local: shift A starts
    at = lambda h: (t0 + timedelta(hours=h)).isoformat()  # noqa: E731
    machine = "SMT-1-PNP1"
    _ingest(engine, [
        {"id": "p0", "ts": at(-72), "machine": machine, "type": "state", "state": "producing"},
        {"id": "d1", "ts": at(1), "machine": machine, "type": "state", "state": "down"},
        {"id": "d2", "ts": at(5), "machine": machine, "type": "state", "state": "down",
         "reason": "nozzle_jam"},
        {"id": "p1", "ts": at(7), "machine": machine, "type": "state", "state": "producing"},
    ])  # fmt: skip
    pnp = world.machine_ids[machine]
    long_ago = load_states(db, [pnp], TimeWindow(t0 - timedelta(days=2), t0 - timedelta(days=1)))
    assert [(r.state, r.start) for r in long_ago[pnp]] == [("producing", t0 - timedelta(hours=72))]
    middle = TimeWindow(t0 + timedelta(hours=2), t0 + timedelta(hours=4))
    rows = load_states(db, [pnp], middle)[pnp]
    # In force at the start, then the rest of the stop (its reason comes later), no more.
    assert [(r.state, r.reason) for r in rows] == [("down", None), ("down", "nozzle_jam")]
    scope = resolve_scope(db, "machine", pnp, None)
    got = pareto_of(db, scope, ResolvedWindow(middle, "range", "w"), "reason",
                    ParetoMeasure.DURATION, True, False, NOW)["rows"]  # fmt: skip
    assert [(r["key"], r["duration_s"], r["count"]) for r in got] == [("nozzle_jam", 7200, 0)]
    # A window starting inside the stop's second interval still finds the stop's head.
    late = load_states(db, [pnp], TimeWindow(t0 + timedelta(hours=6), t0 + timedelta(hours=8)))
    assert [r.start for r in late[pnp]][:2] == [t0 + timedelta(hours=1), t0 + timedelta(hours=5)]
