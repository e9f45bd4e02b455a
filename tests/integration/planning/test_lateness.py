"""One lateness: the Orders list filter, the order page and the Gantt agree.

Before, the list judged open orders on "due date < now" only, while the Gantt marked an
order late when the plan finished it after its due date: with the due dates ahead and
the plan behind them, the list said 0 late orders while the Gantt had a dozen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from linewise.domains.delivery import service as delivery
from tests.integration.planning.conftest import Demo


def _orders(demo: Demo, **params: Any) -> list[dict[str, Any]]:
    r = demo.planner.get("/api/v1/orders", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    items: list[dict[str, Any]] = body["items"]
    return items


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_list_filter_order_page_and_gantt_agree_on_late_orders(demo: Demo) -> None:
    # Three orders fall due in ten minutes: neither the plan nor a live ETA can finish
    # them by then (a setup alone takes longer), but their due date is still ahead, so
    # only the forecast makes them late. (An hour was not enough: the refresh that a
    # published plan now triggers may store an ETA inside the hour for a short order.)
    soon = datetime.now(UTC) + timedelta(minutes=10)
    everyone = sorted(_orders(demo), key=lambda o: o["due_date"])
    squeezed = [o["number"] for o in everyone[:3]]
    for o in everyone[:3]:
        r = demo.planner.patch(
            f"/api/v1/orders/{o['id']}",
            json={"due_date": soon.isoformat(), "version": o["version"]},
        )
        assert r.status_code == 200, r.text
    # Nothing published yet: no planned finish, nobody due yet, nobody late.
    assert all(o["planned_finish"] is None and o["eta"] is None for o in _orders(demo))
    assert {o["number"] for o in _orders(demo, late="true")} == {
        o["number"] for o in _orders(demo) if _at(o["due_date"]) < datetime.now(UTC)
    }

    run = demo.solve()
    demo.publish(run["plan_id"])
    gantt = demo.planner.get(f"/api/v1/plans/{run['plan_id']}").json()
    assert gantt["status"] == "published"

    by_gantt = {o["order_number"] for o in gantt["orders"] if o["late"]}
    on_bars = {
        op["order_number"] for line in gantt["lines"] for op in line["operations"] if op["late"]
    }
    listed = _orders(demo)
    by_filter = {o["number"] for o in _orders(demo, late="true")}
    not_late = {o["number"] for o in _orders(demo, late="false")}
    by_flag = {o["number"] for o in listed if o["late"]}
    pages = {o["number"]: demo.planner.get(f"/api/v1/orders/{o['id']}").json() for o in listed}
    by_page = {number for number, page in pages.items() if page["late"]}

    assert set(squeezed) <= by_filter
    assert by_filter == by_gantt == on_bars == by_flag == by_page
    assert by_filter.isdisjoint(not_late) and by_filter | not_late == set(pages)
    # Late on the plan alone: due dates still ahead (the old filter returned none of them).
    assert any(_at(pages[n]["due_date"]) > datetime.now(UTC) for n in by_filter)

    # The order page carries the published plan's span, per stage and overall.
    gantt_orders = {o["order_number"]: o for o in gantt["orders"]}
    gantt_ops = {op["operation_id"]: op for line in gantt["lines"] for op in line["operations"]}
    for number, planned in gantt_orders.items():
        page = pages[number]
        assert page["plan_id"] == gantt["id"]
        assert _at(page["planned_start"]) == _at(planned["start"])
        assert _at(page["planned_finish"]) == _at(planned["end"])
        assert page["finish_basis"] in ("plan", "now")
        assert page["late_by_s"] == planned["late_by_s"]
        assert (page["late_by_s"] > 0) == page["late"]
        for op in page["operations"]:
            bar = gantt_ops.get(op["id"])
            if bar is None:
                assert op["planned_start"] is None and op["planned_line"] is None
                continue
            assert _at(op["planned_start"]) == _at(bar["start"])
            assert _at(op["planned_finish"]) == _at(bar["end"])
            assert op["planned_line"]["id"] == bar["line_id"]
    for number in squeezed:
        page = pages[number]
        assert page["finish_basis"] == "plan" and page["late"]
        expected = (_at(page["planned_finish"]) - _at(page["due_date"])).total_seconds()
        assert abs(page["late_by_s"] - expected) <= 1
        assert page["site_timezone"] == "Europe/Berlin"


def test_a_draft_does_not_change_the_orders_verdict(demo: Demo) -> None:
    """Only the published plan speaks for the orders; a draft's Gantt says what would be."""
    listed = _orders(demo)
    first = listed[0]
    r = demo.planner.patch(
        f"/api/v1/orders/{first['id']}",
        json={
            "due_date": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
            "version": first["version"],
        },
    )
    assert r.status_code == 200, r.text
    run = demo.solve()
    draft = demo.planner.get(f"/api/v1/plans/{run['plan_id']}").json()
    assert draft["status"] == "draft"
    assert any(o["late"] for o in draft["orders"] if o["order_number"] == first["number"])
    page = demo.planner.get(f"/api/v1/orders/{first['id']}").json()
    assert page["planned_finish"] is None and page["plan_id"] is None
    assert page["late"] is False and page["late_by_s"] is None
    assert first["number"] not in {o["number"] for o in _orders(demo, late="true")}


def _refresh_estimates(demo: Demo) -> None:
    """What the ``delivery.refresh`` job does each minute (tests run no job workers)."""
    factory = demo.app.state.session_factory
    with factory() as db, db.begin():
        assert delivery.refresh(db, datetime.now(UTC)) > 0


def test_the_live_eta_decides_and_every_reader_agrees(demo: Demo) -> None:
    """Once the delivery forecast has refreshed, an open order is judged on its ETA by the
    list filter (SQL), the list's flags, the order page and the published plan's Gantt."""
    run = demo.solve()
    demo.publish(run["plan_id"])
    _refresh_estimates(demo)
    open_ = [o for o in _orders(demo) if o["eta"] is not None]
    assert open_ and all(o["finish_basis"] in ("eta", "now") for o in open_)
    # The order whose plan and forecast differ most, due between the two: one of them
    # says late, the other in time, and the forecast's word is the one that counts.
    slower = max(open_, key=lambda o: abs(_at(o["eta"]) - _at(o["planned_finish"])))
    eta_later = _at(slower["eta"]) > _at(slower["planned_finish"])
    assert abs(_at(slower["eta"]) - _at(slower["planned_finish"])) > timedelta(minutes=2)
    between = (
        _at(slower["planned_finish"]) + (_at(slower["eta"]) - _at(slower["planned_finish"])) / 2
    )
    r = demo.planner.patch(
        f"/api/v1/orders/{slower['id']}",
        json={"due_date": between.isoformat(), "version": slower["version"]},
    )
    assert r.status_code == 200, r.text

    gantt = demo.planner.get(f"/api/v1/plans/{run['plan_id']}").json()
    by_gantt = {o["order_number"] for o in gantt["orders"] if o["late"]}
    listed = _orders(demo)
    by_filter = {o["number"] for o in _orders(demo, late="true")}
    not_late = {o["number"] for o in _orders(demo, late="false")}
    by_flag = {o["number"] for o in listed if o["late"]}
    pages = {o["number"]: demo.planner.get(f"/api/v1/orders/{o['id']}").json() for o in listed}
    by_page = {number for number, page in pages.items() if page["late"]}
    assert (slower["number"] in by_filter) == eta_later != (slower["number"] in not_late)
    assert by_filter == by_gantt == by_flag == by_page
    assert by_filter.isdisjoint(not_late) and by_filter | not_late == set(pages)
    page = pages[slower["number"]]
    assert page["finish_basis"] == "eta" and page["late"] == eta_later
    assert (_at(page["planned_finish"]) > _at(page["due_date"])) != eta_later
    gantt_late = {o["order_number"]: o["late_by_s"] for o in gantt["orders"]}
    for number in gantt_late:
        assert pages[number]["late_by_s"] == gantt_late[number]

    # A draft's Gantt judges on the draft's own finish: the ETA forecasts the published plan.
    draft = demo.planner.get(f"/api/v1/plans/{demo.solve()['plan_id']}").json()
    assert draft["status"] == "draft"
    drafted = next(o for o in draft["orders"] if o["order_number"] == slower["number"])
    assert drafted["late"] == (_at(drafted["end"]) > between)
