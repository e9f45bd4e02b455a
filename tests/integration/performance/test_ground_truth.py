"""A simulated week of the demo factory: KPIs through ingest + service = KPIs of the truth.

The simulator records what it *did* (true intervals, units per operation) apart from the
events it *reports*. Its events go through the real ingest path (decode + write_events)
into a fresh SQLite database holding the same demo factory; the service's figures must
then match the pure engine run directly on the ground truth, machine by machine.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.db import make_engine, make_session_factory
from linewise.core.migrate import upgrade
from linewise.demo.factory import build_factory
from linewise.demo.load import load_factory
from linewise.domains.equipment.models import Site
from linewise.domains.performance.service import compute, resolve_scope
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.kpi import (
    CalendarSpec,
    Convention,
    CountRecord,
    Evaluation,
    StateInterval,
    TimeWindow,
    WorkUnitData,
    evaluate_machine,
    expand_calendar,
)
from linewise.server.projections import ingest_projections, order_references
from linewise.simulation import GroundTruth, Simulation
from linewise.simulation.spec import FactorySpec

PROJECTIONS = ingest_projections()

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday; the demo orders hang off it
DAYS = 7
SEED = 11
BATCH = 25_000
FIGURES = ("availability", "effectiveness", "quality_ratio", "oee")


def _calendar(spec: FactorySpec) -> CalendarSpec:
    return CalendarSpec.from_records(
        spec.timezone,
        [
            {
                "code": s.code,
                "start": s.start,
                "end": s.end,
                "weekdays": list(s.weekdays),
                "breaks": [{"start": b, "minutes": m} for b, m in s.breaks],
            }
            for s in spec.shifts
        ],
        [datetime.fromisoformat(d).date() for d, _ in spec.holidays],
    )


def truth_evaluations(spec: FactorySpec, truth: GroundTruth) -> dict[str, Evaluation]:
    """The engine over the simulator's own intervals and unit counts."""
    window = TimeWindow(truth.start, truth.end)
    planned = expand_calendar(_calendar(spec), window)
    cycles = {
        (p.code, line): cycle for p in spec.products for st in p.steps
        for line, cycle in st.cycle_time_s.items()
    }  # fmt: skip
    counted: dict[str, list[CountRecord]] = defaultdict(list)
    for op in truth.operations:
        for code, c in op.machines.items():
            produced = c.good + c.reject
            counted[code].append(
                CountRecord(truth.start, op.product, produced, c.good, c.reject, c.rework)
            )
    out = {}
    for line in spec.lines:
        for m in line.machines:
            t = truth.machines[m.code]
            unit = WorkUnitData(
                machine_id=m.code,
                states=tuple(
                    StateInterval(i.start, i.end, i.state, i.reason, i.fault)
                    for i in t.intervals  # type: ignore[arg-type]
                ),
                counts=tuple(counted[m.code]),
                ideal_cycle_s={
                    p: c * m.speed_factor for (p, ln), c in cycles.items() if ln == line.code
                },
                minor_stop_threshold_s=m.minor_stop_threshold_s,
            )
            out[m.code] = evaluate_machine(unit, planned, window)
    return out


def ingest_week(path: Path, spec: FactorySpec) -> tuple[Simulation, int]:
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as db:
        load_factory(db, spec, with_users=False)
        db.commit()
    sim = Simulation(spec, START, timedelta(days=DAYS), seed=SEED)
    refs = References(order_references())
    written = 0
    pending: list[dict[str, object]] = []

    def flush() -> None:
        nonlocal written
        events, rejects = decode(pending, now=sim.end)
        assert rejects == []
        with engine.begin() as conn:
            result = write_events(conn, refs, events, rejects, "simulator", projections=PROJECTIONS)
        assert result.rejected == [] and result.duplicates == 0
        written += result.accepted
        pending.clear()

    for event in sim.run(step=timedelta(hours=12)):
        pending.append(event)
        if len(pending) >= BATCH:
            flush()
    flush()
    engine.dispose()
    return sim, written


@pytest.mark.slow
def test_service_matches_the_simulator_ground_truth(tmp_path: Path) -> None:
    spec = build_factory(START, line_groups=1)
    sim, written = ingest_week(tmp_path / "week.db", spec)
    assert written > 10_000
    truth = sim.ground_truth()
    expected = truth_evaluations(spec, truth)

    engine = make_engine(f"sqlite:///{tmp_path / 'week.db'}")
    db = make_session_factory(engine)()
    site_id = db.scalar(select(Site.id))
    scope = resolve_scope(db, "site", site_id, None)
    window = TimeWindow(truth.start, truth.end)
    computed = compute(db, scope, window, Convention.ISO_22400, now=truth.end)
    assert computed.warnings == []
    deviations: dict[str, float] = {}
    for machine, got in computed.machines:
        want = expected[machine.code]
        for name in FIGURES:
            a, b = getattr(got.kpis, name), getattr(want.kpis, name)
            assert (a is None) == (b is None), (machine.code, name, a, b)
            if a is not None and b is not None:
                deviations[f"{machine.code} {name}"] = abs(a - b) * 100
    worst = max(deviations, key=deviations.__getitem__)
    print(
        f"\nground truth: {len(deviations)} figures, "
        f"max deviation {deviations[worst]:.4f} pp ({worst})"
    )
    assert len(computed.machines) == len(expected)
    assert deviations[worst] < 0.1, worst
    db.close()
    engine.dispose()
