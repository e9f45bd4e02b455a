"""Windows a manager asks for (current / previous shift), the data-quality share, trend gaps,
the two OEE figures' names and the shift report, over the hand-checked machine-day.

The day (see conftest): shift A 06:00–14:00 Berlin every day, data only on Monday
2026-11-23, with 30 min offline inside the shift (1,800 s of 27,000 s planned busy time).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Machine
from linewise.domains.performance import rollups, shift_report
from linewise.domains.performance.repository import PlannedRun
from linewise.domains.performance.service import resolve_scope
from linewise.kpi import TimeWindow
from tests.conftest import World
from tests.integration.performance.conftest import DAY, count, state

APPROX = pytest.approx


def _now_is(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    monkeypatch.setattr("linewise.domains.performance.api.utcnow", lambda: instant)


def test_current_and_previous_shift_follow_the_calendar(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    client = as_role["manager"]
    # 11:00 local on Monday: shift A of Monday runs; the previous one is Sunday's.
    _now_is(monkeypatch, datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    current = client.get(f"/api/v1/kpi/machine/{pnp}", params={"shift": "current"}).json()
    assert current["window"]["kind"] == "shift"
    assert current["window"]["label"] == "A@2026-11-23"
    assert current["window"]["end_clipped_to_now"] is True
    assert current["window"]["computed_end"] == "2026-11-23T10:00:00+00:00"
    previous = client.get(f"/api/v1/kpi/machine/{pnp}", params={"shift": "previous"}).json()
    assert previous["window"]["label"] == "A@2026-11-22"
    assert previous["window"]["end_clipped_to_now"] is False
    # 02:00 local on Tuesday: no shift runs; "current" is the last one that started.
    _now_is(monkeypatch, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    current = client.get(f"/api/v1/kpi/machine/{pnp}", params={"shift": "current"}).json()
    assert current["window"]["label"] == "A@2026-11-23"
    assert current["kpis"]["oee"] == APPROX(21000 / 27000)
    shifts = client.get(f"/api/v1/kpi/line/{world.line_ids['SMT-1']}/shifts").json()
    assert shifts["timezone"] == "Europe/Berlin"
    assert shifts["current"]["label"] == "A@2026-11-23"
    assert shifts["previous"]["label"] == "A@2026-11-22"
    assert [s["day"] for s in shifts["shifts"][:3]] == ["2026-11-23", "2026-11-22", "2026-11-21"]
    assert shifts["shifts"][0]["start"] == "2026-11-23T05:00:00+00:00"


def test_every_figure_carries_its_share_of_planned_time_without_data(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _now_is(monkeypatch, datetime(2026, 12, 1, tzinfo=UTC))
    pnp = world.machine_ids["SMT-1-PNP1"]
    client = as_role["manager"]
    day = client.get(f"/api/v1/kpi/machine/{pnp}", params={"day": DAY}).json()
    assert day["data_quality"] == {
        "no_data_s": 1800,
        "planned_s": 27000,
        "no_data_share": APPROX(1800 / 27000),
    }
    # The machine's week: six of seven days planned without any data.
    week = client.get(f"/api/v1/kpi/machine/{pnp}", params={"week": "2026-W48"}).json()
    assert week["data_quality"]["no_data_share"] == APPROX((1800 + 6 * 27000) / (7 * 27000))
    site = client.get(f"/api/v1/kpi/site/{world.site_id}", params={"week": "2026-W48"}).json()
    assert site["data_quality"]["no_data_share"] == APPROX(
        site["time_elements_s"]["unknown"] / site["time_elements_s"]["pbt"]
    )
    for m in site["machines"]:
        assert m["data_quality"]["planned_s"] == m["time_elements_s"]["pbt"]
    # Nothing planned at all: the share is undefined, not 0.
    night = client.get(
        f"/api/v1/kpi/machine/{pnp}",
        params={"from": "2026-11-23T20:00:00Z", "to": "2026-11-23T22:00:00Z"},
    ).json()
    assert night["data_quality"]["no_data_share"] is None
    explain = client.get(f"/api/v1/kpi/machine/{pnp}/explain", params={"day": DAY}).json()
    assert explain["data_quality"] == day["data_quality"]


def test_trend_days_without_data_are_gaps_and_rollups_give_the_exact_answer(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    _now_is(monkeypatch, now)
    client = as_role["manager"]
    params = {"week": "2026-W48", "bucket": "day"}
    path = f"/api/v1/kpi/line/{world.line_ids['SMT-1']}/trend"
    exact = client.get(path, params=params).json()
    assert exact["figure"] == "stations_combined"
    days = exact["buckets"]
    assert [b["label"] for b in days][:2] == ["2026-11-23", "2026-11-24"]
    assert days[0]["kpis"]["oee"] == APPROX(21000 / 27000)
    assert days[0]["data_quality"]["no_data_share"] == APPROX(1800 / 27000)
    for b in days[1:]:  # planned, never measured: no figure at all (a gap), not 0 %
        assert b["time_elements_s"]["pbt"] == 27000
        assert b["data_quality"]["no_data_share"] == 1
        assert set(b["kpis"].values()) == {None}
    scope = resolve_scope(db, "site", world.site_id, None)
    first = datetime(2026, 11, 23).date()
    stored = rollups.refresh(db, scope.machines, scope.calendars, first, now)
    db.commit()
    assert stored > 0
    rolled = client.get(path, params=params).json()
    assert rolled["buckets"] == exact["buckets"]


def test_line_explain_shows_the_time_the_line_formula_divides_by(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    client = as_role["manager"]
    line_id = world.line_ids["SMT-1"]
    body = client.get(f"/api/v1/kpi/line/{line_id}/explain", params={"day": DAY}).json()
    (block,) = body["lines"]
    assert block["pbt_station"] == "SMT-1-PNP1"
    assert block["time_elements_s"]["pbt"] == block["pbt_s"] == 27000
    assert block["data_quality"]["no_data_s"] == 1800
    figures = client.get(f"/api/v1/kpi/line/{line_id}", params={"day": DAY}).json()
    assert figures["lines"][0]["time_elements_s"] == block["time_elements_s"]


def test_shift_report_of_a_line(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _now_is(monkeypatch, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    client = as_role["manager"]
    path = f"/api/v1/kpi/line/{world.line_ids['SMT-1']}/shift-report"
    r = client.get(path, params={"shift": "previous"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["window"]["label"] == "A@2026-11-23"
    assert report["line"]["oee_output_based"] == APPROX(21000 / 27000)
    assert report["data_quality"]["no_data_share"] == APPROX(1800 / 27000)
    assert report["output"] == [
        {"product": "CTRL-100", "good": 500, "planned": None},
        {"product": "PSU-24", "good": 100, "planned": None},
    ]
    assert report["good_total"] == 600 and report["scrap_total"] == 10
    assert report["planned_total"] is None
    assert "no operation of the published plan" in report["plan_note"]
    losses = {(x["reason"], x["name"]): (x["lost_s"], x["count"]) for x in report["top_losses"]}
    assert losses == {(None, "unassigned"): (1800, 1), ("nozzle_jam", "nozzle_jam"): (60, 1)}
    assert report["top_losses"][0]["reason"] is None  # largest first
    (stop,) = report["reasonless_stops"]
    assert stop["machine"] == "SMT-1-PNP1"
    assert stop["start"] == "2026-11-23T07:00:00+00:00"
    assert stop["duration_s"] == 1800 and stop["minor"] is False
    same = client.get(path, params={"day": DAY, "shift": "A"}).json()
    assert same == report
    # A report is about one shift of one line.
    day = client.get(path, params={"day": DAY})
    assert day.status_code == 422
    assert day.json()["errors"][0]["field"] == "shift"
    # An area-scoped supervisor of SMT may not read the test line's report.
    other = f"/api/v1/kpi/line/{world.line_ids['TEST-1']}/shift-report"
    assert as_role["supervisor"].get(other, params={"shift": "previous"}).status_code == 403


def test_planned_output_spreads_each_operation_over_its_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def at(hour: int) -> datetime:
        return datetime(2026, 11, 23, hour, tzinfo=UTC)

    runs = [
        PlannedRun("CTRL-100", at(3), at(7), 400),  # half of it inside 05:00–13:00
        PlannedRun("CTRL-100", at(7), at(9), 50),
        PlannedRun("PSU-24", at(12), at(16), 80),  # a quarter inside
    ]
    monkeypatch.setattr(shift_report.repo, "planned_runs", lambda *_: runs)
    planned = shift_report.planned_output(None, 1, TimeWindow(at(5), at(13)))  # type: ignore[arg-type]
    assert planned == {"CTRL-100": APPROX(250), "PSU-24": APPROX(20)}


def test_a_site_answer_carries_each_line_as_its_own_answer_gives_it(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    client = as_role["manager"]
    for convention in ("iso22400", "six_big_losses"):
        params = {"day": DAY, "convention": convention}
        site = client.get(f"/api/v1/kpi/site/{world.site_id}", params=params).json()
        for block in site["lines"]:
            line = client.get(f"/api/v1/kpi/line/{block['id']}", params=params).json()
            assert block["stations_kpis"] == line["kpis"]
            assert block["stations_data_quality"] == line["data_quality"]
            assert block == line["lines"][0]


def test_a_two_station_line_explains_its_figure_with_the_line_time_not_the_sums(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    device: TestClient,
    db: Session,
) -> None:
    """SMT-1 gets a second station, the AOI, that starts an hour before the shift and
    runs through the break (overtime, 3,600 + 1,800 s): its PBT (32,400 s) is the
    line's, and the stations' sums are about twice that."""
    db.add(
        Machine(
            line_id=world.line_ids["SMT-1"], code="SMT-1-AOI", name="AOI", kind="aoi", position=2
        )
    )
    db.commit()
    aoi = [
        state("a1", -1, "producing", machine="SMT-1-AOI"),
        count("a2", 7, "CTRL-100", 490, machine="SMT-1-AOI"),
        state("a3", 8, "idle", machine="SMT-1-AOI"),
    ]
    assert device.post("/api/v1/ingest", json=aoi).status_code == 200
    client = as_role["manager"]
    line_id = world.line_ids["SMT-1"]
    body = client.get(f"/api/v1/kpi/line/{line_id}/explain", params={"day": DAY}).json()
    (block,) = body["lines"]
    assert block["pbt_station"] == "SMT-1-AOI"
    assert block["last_station"] == "SMT-1-AOI"
    assert block["pbt_s"] == block["time_elements_s"]["pbt"] == 27000 + 5400
    assert block["time_elements_s"]["overtime"] == 5400
    assert block["oee_output_based"] == APPROX(490 * 30 / (27000 + 5400))
    # the stations' sums, which belong to OEE (stations combined), are not the line's time
    assert body["time_elements_s"]["pbt"] == 27000 + 27000 + 5400
    assert body["time_elements_s"]["pot"] == 2 * 28800 + 3600  # the hour before the shift
    assert block["stations_kpis"] == body["kpis"]
