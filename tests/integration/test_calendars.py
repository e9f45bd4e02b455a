"""One calendar provider: the scheduler, the KPIs and the floor agree on every line.

A two-site factory: Plant Berlin (Europe/Berlin) with a site calendar and one line with
its own calendar, Plant Chicago (America/Chicago) with its own site calendar. At one
instant the three lines are in three different shifts; each reader must see, per line,
the same working time and the same "this shift". And a site or a line gets at most one
calendar: the API refuses a second, and so does the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.people.models import Holiday, ShiftCalendar, ShiftPattern
from linewise.domains.people.working_time import WorkingTime
from linewise.domains.performance.loader import load
from linewise.domains.performance.service import resolve_scope
from linewise.domains.planning.builder import build_problem
from linewise.ingest.floor import floor_snapshot
from linewise.ingest.models import CountEvent
from linewise.kpi import TimeWindow
from linewise.kpi.calendar import available_spans
from tests.conftest import World

# Wednesday 9 December 2026, 15:00 UTC = 16:00 in Berlin = 09:00 in Chicago.
NOW = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
HORIZON = timedelta(days=3)
WEEKDAYS = [0, 1, 2, 3, 4]


@dataclass
class TwoSites:
    site_ids: dict[str, int]
    line_ids: dict[str, int]  # BER-1 (site calendar), BER-2 (own), CHI-1 (site calendar)
    machine_ids: dict[str, int]


def _pattern(
    code: str, start: str, end: str, breaks: list[dict[str, object]] | None = None
) -> ShiftPattern:
    return ShiftPattern(
        code=code, name=code, start=start, end=end, weekdays=WEEKDAYS, breaks=breaks or []
    )


@pytest.fixture
def two_sites(db: Session) -> TwoSites:
    ber = Site(code="BER", name="Plant Berlin", timezone="Europe/Berlin")
    chi = Site(code="CHI", name="Plant Chicago", timezone="America/Chicago")
    ber_area = Area(site=ber, code="BER-SMT", name="SMT Berlin")
    chi_area = Area(site=chi, code="CHI-SMT", name="SMT Chicago")
    lines = {
        "BER-1": Line(area=ber_area, code="BER-1", name="Berlin 1", type="SMT"),
        "BER-2": Line(area=ber_area, code="BER-2", name="Berlin 2", type="SMT"),
        "CHI-1": Line(area=chi_area, code="CHI-1", name="Chicago 1", type="SMT"),
    }
    machines = {
        code: Machine(line=line, code=f"{code}-PNP", name=f"{code} pnp", kind="pnp", position=1)
        for code, line in lines.items()
    }
    db.add_all([ber, chi, *machines.values()])
    db.flush()
    berlin = ShiftCalendar(code="BER-2SHIFT", name="Berlin two shifts", site_id=ber.id)
    berlin.patterns = [
        _pattern("E", "06:00", "14:00", [{"start": "10:00", "minutes": 30}]),
        _pattern("L", "14:00", "22:00", [{"start": "18:00", "minutes": 30}]),
    ]
    own = ShiftCalendar(
        code="BER-2-MID", name="Berlin 2 middle shift", site_id=ber.id, line_id=lines["BER-2"].id
    )
    own.patterns = [_pattern("M", "12:00", "20:00", [{"start": "16:30", "minutes": 15}])]
    chicago = ShiftCalendar(code="CHI-DAY", name="Chicago day shift", site_id=chi.id)
    chicago.patterns = [_pattern("D", "06:00", "14:30", [{"start": "11:00", "minutes": 30}])]
    # Thursday is a holiday in Chicago only.
    chicago.holidays = [Holiday(day=date(2026, 12, 10), name="Plant closed")]
    db.add_all([berlin, own, chicago])
    db.commit()
    return TwoSites(
        {"BER": ber.id, "CHI": chi.id},
        {code: line.id for code, line in lines.items()},
        {code: m.id for code, m in machines.items()},
    )


# Per line at NOW: the shift code and its UTC bounds, as people on that line live it.
EXPECTED_SHIFT = {
    "BER-1": (
        "L",
        datetime(2026, 12, 9, 13, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 21, 0, tzinfo=UTC),
    ),
    "BER-2": (
        "M",
        datetime(2026, 12, 9, 11, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 19, 0, tzinfo=UTC),
    ),
    "CHI-1": (
        "D",
        datetime(2026, 12, 9, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 20, 30, tzinfo=UTC),
    ),
}


def _scheduler_windows(db: Session, sites: TwoSites) -> dict[str, list[tuple[int, int]]]:
    """Per line: the windows the scheduler may place work in, clipped to the horizon."""
    problem = build_problem(db, NOW, HORIZON)
    end = int(HORIZON.total_seconds())
    out = {}
    for code in sites.line_ids:
        windows = problem.instance.resource(code).calendar
        assert windows is not None, f"{code} has a calendar: not always available"
        out[code] = [(w.start, min(w.end, end)) for w in windows if w.start < end]
    return out


def _kpi_windows(db: Session, sites: TwoSites) -> dict[str, list[tuple[int, int]]]:
    """Per line: the planned busy time the KPIs measure against (shifts less breaks)."""
    window = TimeWindow(NOW, NOW + HORIZON)
    out = {}
    for code, line_id in sites.line_ids.items():
        scope = resolve_scope(db, "line", line_id, None)
        planned = load(db, scope.machines, scope.calendars, window, NOW).planned[line_id]
        end = int(HORIZON.total_seconds())
        out[code] = [(a, min(b, end)) for a, b in available_spans(planned, NOW) if a < end]
    return out


def test_scheduler_kpis_and_floor_agree_per_line_on_two_sites(
    db: Session, two_sites: TwoSites
) -> None:
    scheduler = _scheduler_windows(db, two_sites)
    kpis = _kpi_windows(db, two_sites)
    assert scheduler == kpis

    # The working time is each line's own: Chicago's holiday, Berlin 2's middle shift.
    hours = {code: sum(b - a for a, b in spans) / 3600 for code, spans in kpis.items()}
    assert hours == {
        "BER-1": pytest.approx(5.5 + 2 * 15),  # rest of today's L, then Thu and Fri E + L
        "BER-2": pytest.approx(3.75 + 2 * 7.75),  # rest of today's M, then Thu and Fri
        "CHI-1": pytest.approx(5 + 8),  # rest of today's D, no Thursday, then Friday
    }

    # The floor: each machine counts since its own line's shift start.
    for code, machine_id in two_sites.machine_ids.items():
        # At 10:50, 11:30, 12:10, 13:10 and 14:10 UTC: 1, 10, 100, 1000 and 10000 good.
        for i, minutes_before in enumerate((250, 210, 170, 110, 50)):
            db.add(
                CountEvent(
                    machine_id=machine_id,
                    event_id=f"{code}-{i}",
                    ts=NOW - timedelta(minutes=minutes_before),
                    good=10**i,
                    reject=0,
                )
            )
    db.commit()
    snapshot = floor_snapshot(db, now=NOW)
    machines = {m["line_code"]: m for line in snapshot["lines"] for m in line["machines"]}
    lines = {line["code"]: line for line in snapshot["lines"]}
    expected_good = {"BER-1": 11000, "BER-2": 11110, "CHI-1": 11100}  # from 13:00, 11:00, 12:00
    for code, (shift_code, start, end) in EXPECTED_SHIFT.items():
        shown = {"code": shift_code, "start": start.isoformat(), "end": end.isoformat()}
        assert machines[code]["shift"] == shown, code
        assert lines[code]["shift"] == shown, code
        assert machines[code]["good"] == expected_good[code], code
        # The scheduler's and the KPIs' working time at NOW lies in that same shift.
        offset = int((start - NOW).total_seconds())
        first = scheduler[code][0]
        assert first[0] == 0 and offset <= 0 < first[1] <= int((end - NOW).total_seconds())
    # The headline shift is the first line's (BER-1), not the first site's for everyone.
    assert snapshot["shift"] == lines["BER-1"]["shift"]


def test_provider_resolves_own_then_site_calendar(db: Session, two_sites: TwoSites) -> None:
    provider = WorkingTime.load(db)
    ber1, ber2, chi1 = (
        provider.of_line(two_sites.line_ids[c]) for c in ("BER-1", "BER-2", "CHI-1")
    )
    assert (ber1.own, ber1.timezone, [s.code for s in ber1.spec.shifts]) == (
        False,
        "Europe/Berlin",
        ["E", "L"],
    )
    assert (ber2.own, ber2.timezone, [s.code for s in ber2.spec.shifts]) == (
        True,
        "Europe/Berlin",
        ["M"],
    )
    assert (chi1.own, chi1.timezone, chi1.spec.holidays) == (
        False,
        "America/Chicago",
        frozenset({date(2026, 12, 10)}),
    )


# --- at most one calendar per site and per line ------------------------------------


def _calendar(code: str, site_id: int, line_id: int | None = None) -> dict[str, object]:
    return {
        "code": code,
        "name": code,
        "site_id": site_id,
        "line_id": line_id,
        "patterns": [{"code": "A", "start": "06:00", "end": "14:00"}],
    }


def _field_errors(body: dict[str, object]) -> list[str]:
    errors = body.get("errors")
    assert isinstance(errors, list)
    return [e["field"] for e in errors]


def test_a_second_calendar_is_refused_naming_the_field(
    world: World, as_role: dict[str, TestClient]
) -> None:
    api = as_role["planner"]
    line_id = world.line_ids["SMT-1"]
    assert api.post("/api/v1/calendars", json=_calendar("SITE", world.site_id)).status_code == 201
    r = api.post("/api/v1/calendars", json=_calendar("SITE-2", world.site_id))
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _field_errors(r.json()) == ["site_id"]
    assert "already has a calendar (SITE)" in r.json()["detail"]

    own = api.post("/api/v1/calendars", json=_calendar("LINE", world.site_id, line_id))
    assert own.status_code == 201, own.text
    r = api.post("/api/v1/calendars", json=_calendar("LINE-2", world.site_id, line_id))
    assert r.status_code == 409, r.text
    assert _field_errors(r.json()) == ["line_id"]

    # Turning the line's calendar into a second site calendar is refused as well.
    body = {"line_id": None, "version": own.json()["version"]}
    r = api.patch(f"/api/v1/calendars/{own.json()['id']}", json=body)
    assert r.status_code == 409, r.text
    assert _field_errors(r.json()) == ["site_id"]

    # Changing a calendar in place is fine.
    body = {"name": "Line 1 own", "version": own.json()["version"]}
    assert api.patch(f"/api/v1/calendars/{own.json()['id']}", json=body).status_code == 200
    listed = api.get("/api/v1/calendars").json()
    assert sorted(c["code"] for c in listed["items"]) == ["LINE", "SITE"]


def test_a_line_calendar_on_another_site_is_refused(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    other = Site(code="P2", name="Plant 2", timezone="America/Chicago")
    db.add(other)
    db.commit()
    r = as_role["admin"].post(
        "/api/v1/calendars", json=_calendar("X", other.id, world.line_ids["SMT-1"])
    )
    assert r.status_code == 422, r.text
    assert _field_errors(r.json()) == ["line_id"]


def test_the_database_refuses_a_second_calendar(db: Session, world: World) -> None:
    line_id = world.line_ids["SMT-1"]
    db.add_all(
        [
            ShiftCalendar(code="S1", name="S1", site_id=world.site_id),
            ShiftCalendar(code="L1", name="L1", site_id=world.site_id, line_id=line_id),
            # Another line's calendar is no site calendar: allowed beside both.
            ShiftCalendar(
                code="L2", name="L2", site_id=world.site_id, line_id=world.line_ids["TEST-1"]
            ),
        ]
    )
    db.commit()
    for extra in (
        ShiftCalendar(code="S2", name="S2", site_id=world.site_id),
        ShiftCalendar(code="L1B", name="L1B", site_id=world.site_id, line_id=line_id),
    ):
        db.add(extra)
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet, to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    from tests.services import PG_URL, missing

    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        missing(f"PostgreSQL at {PG_URL} ({exc.__class__.__name__})")
    name = f"linewise_test_calmig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_keeps_the_first_calendar_of_each_site_and_line(empty_url: str) -> None:
    from alembic import command

    from linewise.core.migrate import alembic_config, upgrade

    command.upgrade(alembic_config(empty_url), "0001")
    engine: Engine = create_engine(empty_url)
    stamps = "1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"  # version, created_at, updated_at
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (id, code, name, timezone, version, created_at, updated_at) "
                f"VALUES (1, 'P1', 'P1', 'UTC', {stamps})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO areas (id, site_id, code, name, version, created_at, updated_at) "
                f"VALUES (1, 1, 'A', 'A', {stamps})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO lines (id, area_id, code, name, type, version, created_at, "
                f"updated_at) VALUES (1, 1, 'L', 'L', 'SMT', {stamps})"
            )
        )
        for cid, code, line in [(1, "S1", None), (2, "S2", None), (3, "L1", 1), (4, "L2", 1)]:
            conn.execute(
                text(
                    "INSERT INTO shift_calendars (id, code, name, site_id, line_id, version, "
                    f"created_at, updated_at) VALUES (:id, :code, :code, 1, :line, {stamps})"
                ),
                {"id": cid, "code": code, "line": line},
            )
            conn.execute(
                text(
                    'INSERT INTO shift_patterns (id, calendar_id, code, name, start, "end", '
                    "weekdays, breaks, version) VALUES (:id, :id, 'A', 'A', '06:00', '14:00', "
                    "'[0]', '[]', 1)"
                ),
                {"id": cid},
            )
    upgrade(empty_url)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT code FROM shift_calendars ORDER BY id")).scalars().all()
        patterns = conn.execute(text("SELECT calendar_id FROM shift_patterns")).scalars().all()
    engine.dispose()
    assert kept == ["S1", "L1"]
    assert sorted(patterns) == [1, 3]


def test_a_registered_source_adds_outages_and_overtime_for_every_reader(
    db: Session, two_sites: TwoSites
) -> None:
    """The seam for maintenance windows and overtime: one source, seen by all readers."""
    from collections.abc import Collection, Mapping

    from linewise.domains.people.working_time import (
        Adjustments,
        register_source,
        unregister_source,
    )
    from linewise.kpi.calendar import PlannedShift, PlannedStop

    chicago = two_sites.line_ids["CHI-1"]
    maintenance = PlannedStop(NOW + timedelta(hours=1), NOW + timedelta(hours=2), "maintenance")
    # Overtime on Chicago's holiday, Thursday 08:00-12:00 local.
    overtime = PlannedShift(
        "OT",
        date(2026, 12, 10),
        datetime(2026, 12, 10, 14, 0, tzinfo=UTC),
        datetime(2026, 12, 10, 18, 0, tzinfo=UTC),
    )

    def source(
        db: Session, line_ids: Collection[int], window: TimeWindow
    ) -> Mapping[int, Adjustments]:
        return {chicago: Adjustments((overtime,), (maintenance,))} if chicago in line_ids else {}

    register_source(source)
    try:
        scheduler = _scheduler_windows(db, two_sites)
        kpis = _kpi_windows(db, two_sites)
    finally:
        unregister_source(source)
    assert scheduler == kpis
    assert sum(b - a for a, b in kpis["CHI-1"]) / 3600 == pytest.approx(5 - 1 + 4 + 8)
    assert (3600, 7200) not in kpis["CHI-1"]  # the maintenance hour is a gap
    assert (
        int((overtime.start - NOW).total_seconds()),
        int((overtime.end - NOW).total_seconds()),
    ) in kpis["CHI-1"]


def test_work_on_the_second_site_is_staffed_by_that_sites_shift_crews(
    db: Session, two_sites: TwoSites
) -> None:
    """Crews follow their site's calendar, and an operation needs its own site's crew."""
    from linewise.domains.people.models import Operator
    from linewise.domains.production.models import Product, RoutingStep, RoutingStepLine
    from linewise.domains.production.service import create_order

    product = Product(code="CHI-BOARD", name="Chicago board", family="chi")
    product.steps = [
        RoutingStep(
            seq=1,
            name="SMT",
            work_center_type="SMT",
            skill="smt",
            eligible=[RoutingStepLine(line_id=two_sites.line_ids["CHI-1"], cycle_time_s=10)],
        )
    ]
    db.add_all([product, Operator(code="OP-CHI", name="Chicago", skills=["smt"], shift_code="D")])
    db.flush()
    create_order(
        db,
        {
            "number": "PO-CHI",
            "product_id": product.id,
            "quantity": 60,
            "due_date": NOW + timedelta(days=2),
            "priority": 3,
        },
    )
    db.commit()
    problem = build_problem(db, NOW, HORIZON)
    (job,) = problem.instance.jobs
    assert job.operations[0].skill == "CHI/smt"
    crews = [s for s in problem.instance.skill_shifts if s.skills == frozenset({"CHI/smt"})]
    # Chicago's D shift today, 12:00-20:30 UTC, is staffed (from NOW on).
    assert any(s.window.start <= 0 < s.window.end and s.capacity == 1 for s in crews), (
        problem.instance.skill_shifts
    )
