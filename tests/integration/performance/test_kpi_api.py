"""KPI figures, explain, trend, line OEE and Pareto over a hand-checked machine-day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.performance.conftest import DAY

APPROX = pytest.approx


def test_machine_day_figures_are_hand_checkable(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    r = as_role["manager"].get(f"/api/v1/kpi/machine/{pnp}", params={"day": DAY})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["convention"] == "iso22400"
    assert body["window"]["kind"] == "day"
    assert body["window"]["start"] == "2026-11-22T23:00:00+00:00"
    t = body["time_elements_s"]
    assert (t["pot"], t["pdot"], t["pbt"]) == (28800, 1800, 27000)
    assert (t["apt"], t["asut"], t["adot"], t["unknown"], t["adet"]) == (22440, 900, 1800, 1800, 60)
    c = body["counts"]
    assert (c["PQ"], c["GQ"], c["SQ"], c["RQ"], c["GP"]) == (610, 600, 10, 5, 595)
    assert (c["sum_PRU_x_PQ_s"], c["sum_PRU_x_GQ_s"]) == (21300, 21000)
    k = body["kpis"]
    assert k["availability"] == APPROX(22440 / 27000)
    assert k["effectiveness"] == APPROX(21300 / 22440)
    assert k["quality_ratio"] == APPROX(600 / 610)
    assert k["quality_ratio_time_weighted"] == APPROX(21000 / 21300)
    assert k["oee"] == APPROX(21000 / 27000)
    assert k["availability"] * k["effectiveness"] * k["quality_ratio_time_weighted"] == APPROX(
        k["oee"]
    )
    assert k["nee"] == APPROX((23340 / 27000) * (21300 / 22440) * (600 / 610))
    assert k["technical_efficiency"] == APPROX(22440 / 22500)
    assert k["setup_rate"] == APPROX(900 / 23340)
    assert k["scrap_ratio"] == APPROX(10 / 610)
    assert k["rework_ratio"] == APPROX(5 / 610)
    assert k["first_pass_yield"] == APPROX(595 / 610)
    assert k["throughput_rate_per_hour"] == APPROX(610 / 24)
    assert k["mtbf_s"] == APPROX(22440 + 900 + 60)
    assert k["mttr_s"] == APPROX(1800)
    assert body["events"] == {"failures": 1, "minor_stops": 1}

    six = (
        as_role["manager"]
        .get(f"/api/v1/kpi/machine/{pnp}", params={"day": DAY, "convention": "six_big_losses"})
        .json()
    )
    assert six["convention"] == "six_big_losses"
    assert six["kpis"]["availability"] == APPROX(22500 / 27000)
    assert six["kpis"]["effectiveness"] == APPROX(21300 / 22500)
    assert six["kpis"]["oee"] == APPROX(k["oee"])


def _now_is(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    monkeypatch.setattr("linewise.domains.performance.api.utcnow", lambda: instant)


def test_shift_week_and_range_windows(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _now_is(monkeypatch, datetime(2026, 12, 1, tzinfo=UTC))  # the whole week is past
    pnp = world.machine_ids["SMT-1-PNP1"]
    client = as_role["admin"]
    shift = client.get(f"/api/v1/kpi/machine/{pnp}", params={"day": DAY, "shift": "A"}).json()
    assert shift["window"]["kind"] == "shift"
    assert shift["window"]["label"] == "A@2026-11-23"
    assert shift["window"]["start"] == "2026-11-23T05:00:00+00:00"
    assert shift["window"]["end"] == "2026-11-23T13:00:00+00:00"
    assert shift["kpis"]["oee"] == APPROX(21000 / 27000)
    week = client.get(f"/api/v1/kpi/machine/{pnp}", params={"week": "2026-W48"}).json()
    assert week["window"]["start"] == "2026-11-22T23:00:00+00:00"
    assert week["window"]["hours"] == 7 * 24
    assert week["window"]["end_clipped_to_now"] is False
    # Mon..Sun shifts, but only Monday has data: the rest is unknown (no data), not hidden.
    assert week["time_elements_s"]["pbt"] == 7 * 27000
    assert week["time_elements_s"]["unknown"] == 1800 + 6 * 27000
    ranged = client.get(
        f"/api/v1/kpi/machine/{pnp}",
        params={"from": "2026-11-23T05:00:00Z", "to": "2026-11-23T09:00:00Z"},
    ).json()
    assert ranged["window"]["kind"] == "range"
    assert ranged["time_elements_s"]["pbt"] == 4 * 3600
    bad = client.get(
        f"/api/v1/kpi/machine/{pnp}",
        params={"from": "2026-11-23T09:00:00Z", "to": "2026-11-23T05:00:00Z"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "to"
    assert client.get(f"/api/v1/kpi/machine/{pnp}", params={"week": "48"}).status_code == 422
    none = client.get(f"/api/v1/kpi/machine/{pnp}", params={"day": DAY, "shift": "Z"})
    assert none.status_code == 404
    assert client.get("/api/v1/kpi/machine/999999").status_code == 404


def test_explain_links_every_element_to_its_data(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    r = as_role["planner"].get(f"/api/v1/kpi/machine/{pnp}/explain", params={"day": DAY})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["convention"] == "iso22400"
    assert body["formulas"]["oee"] == "Σ(PRU × GQ) / PBT"
    products = {p["product"]: p for p in body["products"]}
    assert products["CTRL-100"]["PRU_s"] == 30 and products["CTRL-100"]["PQ"] == 510
    assert products["PSU-24"]["PRU_s"] == 60 and products["PSU-24"]["GQ"] == 100
    adot = body["sources"]["ADOT"]["links"]
    assert adot == [
        {
            "kind": "interval",
            "machine_id": pnp,
            "start": "2026-11-23T07:00:00+00:00",
            "end": "2026-11-23T07:30:00+00:00",
            "href": adot[0]["href"],
        }
    ]
    follow = as_role["planner"].get(adot[0]["href"])
    assert follow.status_code == 200, follow.text
    unknown = body["sources"]["unknown"]["links"]
    assert unknown[0]["kind"] == "interval" and unknown[0]["start"].startswith("2026-11-23T08:00")
    assert {lk["kind"] for lk in body["sources"]["POT"]["links"]} == {"shift"}
    assert {lk["event_id"] for lk in body["sources"]["counts"]["links"]} == {"c1", "c2"}
    failure = [s for s in body["stops"]["items"] if not s["minor"]]
    assert failure[0]["reason"] is None and failure[0]["duration_s"] == 1800


def test_trend_buckets_add_up(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    client = as_role["operator"]
    hours = client.get(f"/api/v1/kpi/machine/{pnp}/trend", params={"day": DAY}).json()
    assert hours["bucket"] == "hour" and len(hours["buckets"]) == 24
    assert hours["buckets"][0]["label"].startswith("2026-11-23T00:00")
    assert sum(b["time_elements_s"]["pbt"] for b in hours["buckets"]) == 27000
    assert sum(b["counts"]["PQ"] for b in hours["buckets"]) == 610
    shifts = client.get(
        f"/api/v1/kpi/machine/{pnp}/trend", params={"day": DAY, "bucket": "shift"}
    ).json()
    assert [b["label"] for b in shifts["buckets"]] == ["A@2026-11-23"]
    assert shifts["buckets"][0]["kpis"]["oee"] == APPROX(21000 / 27000)


def test_line_area_and_site_aggregate_and_line_oee_is_output_based(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    client = as_role["manager"]
    line = client.get(f"/api/v1/kpi/line/{world.line_ids['SMT-1']}", params={"day": DAY}).json()
    assert [m["code"] for m in line["machines"]] == ["SMT-1-PNP1"]
    (block,) = line["lines"]
    assert block["good_out"] == {"CTRL-100": 500, "PSU-24": 100}
    assert block["line_PRU_s"] == {"CTRL-100": 30, "PSU-24": 60}
    assert block["oee_output_based"] == APPROX(21000 / 27000)
    site = client.get(f"/api/v1/kpi/site/{world.site_id}", params={"day": DAY}).json()
    assert {m["code"] for m in site["machines"]} == {"SMT-1-PNP1", "TEST-1-ICT"}
    pbt = sum(m["time_elements_s"]["pbt"] for m in site["machines"])
    good_time = sum(m["counts"]["sum_PRU_x_GQ_s"] for m in site["machines"])
    assert site["time_elements_s"]["pbt"] == pbt
    assert site["kpis"]["oee"] == APPROX(good_time / pbt)
    assert site["scope"]["restricted_to_areas"] is None


def test_pareto_by_reason_machine_and_count(
    as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    client = as_role["manager"]
    site = world.site_id
    by_reason = client.get(f"/api/v1/kpi/site/{site}/pareto", params={"day": DAY}).json()
    rows = {r["key"]: r for r in by_reason["rows"]}
    assert rows["unassigned"]["duration_s"] == 1800 + 1800
    assert rows["unassigned"]["count"] == 2
    assert rows["nozzle_jam"]["duration_s"] == 60
    assert by_reason["rows"][0]["key"] == "unassigned"
    assert by_reason["rows"][-1]["cumulative_share"] == APPROX(1.0)
    no_minor = client.get(
        f"/api/v1/kpi/site/{site}/pareto", params={"day": DAY, "include_minor": "false"}
    ).json()
    assert [r["key"] for r in no_minor["rows"]] == ["unassigned"]
    by_machine = client.get(
        f"/api/v1/kpi/site/{site}/pareto", params={"day": DAY, "by": "machine", "measure": "count"}
    ).json()
    assert by_machine["measure"] == "count"
    assert {r["key"]: r["count"] for r in by_machine["rows"]} == {"SMT-1-PNP1": 2, "TEST-1-ICT": 1}
    by_shift = client.get(
        f"/api/v1/kpi/site/{site}/pareto", params={"day": DAY, "by": "shift"}
    ).json()
    assert [r["key"] for r in by_shift["rows"]] == ["A@2026-11-23"]
    by_line = client.get(f"/api/v1/kpi/site/{site}/pareto", params={"day": DAY, "by": "line"})
    assert {r["key"] for r in by_line.json()["rows"]} == {"SMT-1", "TEST-1"}
    idle = client.get(
        f"/api/v1/kpi/site/{site}/pareto", params={"day": DAY, "include_idle": "true"}
    ).json()
    assert idle["total_duration_s"] == by_reason["total_duration_s"]  # idle was in the break


def test_windows_end_at_now_so_today_and_this_week_are_right_while_they_run(
    as_role: dict[str, TestClient],
    world: World,
    day_data: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 09:00 UTC on the data day the hours still to come are neither planned nor unknown."""
    pnp = world.machine_ids["SMT-1-PNP1"]
    client = as_role["manager"]
    _now_is(monkeypatch, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    today = client.get(f"/api/v1/kpi/machine/{pnp}").json()
    window = today["window"]
    assert (window["kind"], window["label"]) == ("day", DAY)
    assert window["end"] == "2026-11-23T23:00:00+00:00"  # the day asked for
    assert window["computed_end"] == "2026-11-23T09:00:00+00:00"
    assert window["end_clipped_to_now"] is True
    assert window["hours"] == 10
    t = today["time_elements_s"]
    # 05:00-09:00 of shift A (its break starts at 09:00 UTC): 30 min down, 30 min offline.
    assert (t["pbt"], t["adot"], t["unknown"]) == (4 * 3600, 1800, 1800)
    assert today["kpis"]["availability"] == APPROX(3 * 3600 / (4 * 3600))
    assert today["kpis"]["throughput_rate_per_hour"] == APPROX(510 / 10)  # 12:30 is to come
    same = client.get(
        f"/api/v1/kpi/machine/{pnp}",
        params={"from": "2026-11-22T23:00:00Z", "to": "2026-11-23T09:00:00Z"},
    ).json()
    assert same["time_elements_s"] == t and same["window"]["end_clipped_to_now"] is False
    week = client.get(f"/api/v1/kpi/machine/{pnp}", params={"week": "2026-W48"}).json()
    assert week["window"]["end_clipped_to_now"] is True
    assert week["time_elements_s"] == t  # the days still to come are not planned time yet
    trend = client.get(f"/api/v1/kpi/machine/{pnp}/trend", params={"bucket": "hour"}).json()
    assert trend["buckets"][-1]["end"] == "2026-11-23T09:00:00+00:00"
    pareto = client.get(f"/api/v1/kpi/machine/{pnp}/pareto").json()
    assert pareto["window"]["end_clipped_to_now"] is True
    assert pareto["total_duration_s"] == 1800  # the minor stop at 11:00 has not happened yet
    future = client.get(f"/api/v1/kpi/machine/{pnp}", params={"day": "2026-11-24"}).json()
    assert future["window"]["hours"] == 0 and future["time_elements_s"]["pbt"] == 0
    assert future["kpis"]["oee"] is None
