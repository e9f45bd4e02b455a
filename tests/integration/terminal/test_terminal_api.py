"""The operator terminal's API: badge sign-in, idempotent actions and reports, andon."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import World

API = "/api/v1"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _setup(as_role: dict[str, TestClient], world: World) -> dict[str, Any]:
    """A released order, an operator of SMT with badge 4711 / PIN 2468, reason codes."""
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    order = _ok(
        planner.post(
            f"{API}/orders",
            json={"number": "PO-T1", "product_id": world.product_id, "quantity": 100,
                  "due_date": "2030-01-10T12:00:00Z"},
        ),
        201,
    )  # fmt: skip
    release = {"to": "released", "version": order["version"]}
    order = _ok(planner.post(f"{API}/orders/{order['id']}/transitions", json=release))
    operator = _ok(
        supervisor.post(
            f"{API}/operators",
            json={"code": "OP-7", "name": "Olga Operator", "area_ids": [world.area_ids["SMT"]]},
        ),
        201,
    )
    _ok(
        supervisor.put(
            f"{API}/operators/{operator['id']}/badge", json={"badge": "4711", "pin": "2468"}
        )
    )
    reasons = {}
    for category in ("scrap", "rework", "downtime"):
        reasons[category] = _ok(
            planner.post(
                f"{API}/reason-codes",
                json={"code": f"R-{category}", "name": category.title(), "category": category},
            ),
            201,
        )["id"]
    return {"order": order, "op_id": order["operations"][0]["id"], "reasons": reasons}


def _badge(app: FastAPI, badge: str = "4711", pin: str = "2468") -> tuple[TestClient, Any]:
    c = TestClient(app)
    r = c.post(f"{API}/auth/badge", json={"badge": badge, "pin": pin})
    if r.status_code == 200:
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c, r


def test_badge_and_pin_open_an_operator_session_in_the_operators_areas(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    _setup(as_role, world)
    c, r = _badge(app)
    body = _ok(r)
    assert body["operator"]["code"] == "OP-7"
    assert body["user"]["role"] == "operator"
    assert body["user"]["area_ids"] == [world.area_ids["SMT"]]
    me = _ok(c.get(f"{API}/auth/me"))
    assert me["full_name"] == "Olga Operator"
    # The operator's line is in reach, the other area's is not.
    _ok(c.get(f"{API}/terminal/work", params={"line_id": world.line_ids["SMT-1"]}))
    r = c.get(f"{API}/terminal/work", params={"line_id": world.line_ids["TEST-1"]})
    assert r.status_code == 403


def test_wrong_pins_are_refused_and_then_throttled(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    _setup(as_role, world)
    statuses = [_badge(app, pin="0000")[1].status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]
    _, unknown = _badge(app, badge="9999")
    assert unknown.status_code in (401, 429)


def test_only_people_writers_set_a_badge_and_the_pin_is_digits(
    as_role: dict[str, TestClient], world: World
) -> None:
    _setup(as_role, world)
    ops = _ok(as_role["admin"].get(f"{API}/operators"))["items"]
    op_id = ops[0]["id"]
    url = f"{API}/operators/{op_id}/badge"
    r = as_role["operator"].put(url, json={"badge": "1", "pin": "1234"})
    assert r.status_code == 403
    r = as_role["admin"].put(url, json={"badge": "1", "pin": "12ab"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "pin"


def test_the_same_report_sent_twice_counts_once(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    c, _ = _badge(app)
    ops = f"{API}/terminal/operations/{s['op_id']}"
    started = _ok(c.post(f"{ops}/actions", json={"action": "start"},
                         headers={"Idempotency-Key": "start-key-1"}))  # fmt: skip
    assert started["status"] == "in_progress"
    first = c.post(f"{ops}/reports", json={"good": 5}, headers={"Idempotency-Key": "rep-key-01"})
    again = c.post(f"{ops}/reports", json={"good": 5}, headers={"Idempotency-Key": "rep-key-01"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = _ok(c.post(f"{ops}/reports", json={"good": 5},
                       headers={"Idempotency-Key": "rep-key-02"}))  # fmt: skip
    assert other["good"] == 10
    # The key stays bound to its request.
    r = c.post(f"{ops}/reports", json={"good": 6}, headers={"Idempotency-Key": "rep-key-01"})
    assert r.status_code == 422
    order = _ok(c.get(f"{API}/orders/{s['order']['id']}"))
    assert order["operations"][0]["good_qty"] == 10
    # Who is on it: the operator who started and reported, by name.
    people = _ok(as_role["supervisor"].get(f"{ops}/people"))["people"]
    assert [p["name"] for p in people] == ["Olga Operator"]


def test_scrap_rework_and_pause_need_a_reason_of_their_kind(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    c, _ = _badge(app)
    ops = f"{API}/terminal/operations/{s['op_id']}"
    _ok(c.post(f"{ops}/actions", json={"action": "start"}, headers={"Idempotency-Key": "k-start"}))
    r = c.post(f"{ops}/reports", json={"scrap": 2}, headers={"Idempotency-Key": "k-scrap-0"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason_code_id"
    wrong = {"scrap": 2, "reason_code_id": s["reasons"]["rework"]}
    r = c.post(f"{ops}/reports", json=wrong, headers={"Idempotency-Key": "k-scrap-1"})
    assert r.status_code == 422
    right = {"scrap": 2, "reason_code_id": s["reasons"]["scrap"]}
    assert (
        _ok(c.post(f"{ops}/reports", json=right, headers={"Idempotency-Key": "k-scrap-2"}))["scrap"]
        == 2
    )
    rework = {"rework": 1, "reason_code_id": s["reasons"]["rework"]}
    assert (
        _ok(c.post(f"{ops}/reports", json=rework, headers={"Idempotency-Key": "k-rew-1"}))["rework"]
        == 1
    )
    r = c.post(f"{ops}/actions", json={"action": "hold"}, headers={"Idempotency-Key": "k-hold-0"})
    assert r.status_code == 422
    hold = {"action": "hold", "reason_code_id": s["reasons"]["downtime"]}
    held = _ok(c.post(f"{ops}/actions", json=hold, headers={"Idempotency-Key": "k-hold-1"}))
    assert held["status"] == "on_hold"
    resumed = _ok(c.post(f"{ops}/actions", json={"action": "resume"},
                         headers={"Idempotency-Key": "k-resume"}))  # fmt: skip
    assert resumed["status"] == "in_progress"
    # Without a key nothing happens: a queued action must be replayable.
    r = c.post(f"{ops}/reports", json={"good": 1})
    assert r.status_code == 422


def test_a_report_on_an_operation_completed_meanwhile_is_a_conflict(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    c, _ = _badge(app)
    ops = f"{API}/terminal/operations/{s['op_id']}"
    _ok(c.post(f"{ops}/actions", json={"action": "start"}, headers={"Idempotency-Key": "k-st-1"}))
    _ok(as_role["supervisor"].post(f"{ops}/actions", json={"action": "complete"},
                                   headers={"Idempotency-Key": "k-done-1"}))  # fmt: skip
    r = c.post(f"{ops}/reports", json={"good": 3}, headers={"Idempotency-Key": "k-late-1"})
    assert r.status_code == 409
    assert "completed" in r.json()["detail"]


def test_the_line_work_lists_the_running_stage_with_its_materials(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    c, _ = _badge(app)
    ops = f"{API}/terminal/operations/{s['op_id']}"
    _ok(c.post(f"{ops}/actions", json={"action": "start"}, headers={"Idempotency-Key": "k-st-2"}))
    work = _ok(c.get(f"{API}/terminal/work", params={"line_id": world.line_ids["SMT-1"]}))
    assert work["line_code"] == "SMT-1"
    [stage] = work["operations"]
    assert (stage["order_number"], stage["status"], stage["quantity"]) == (
        "PO-T1",
        "in_progress",
        100,
    )
    assert stage["materials"] == []


def test_andon_is_raised_listed_and_acknowledged_by_a_supervisor(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    _setup(as_role, world)
    c, _ = _badge(app)
    body = {"kind": "material", "line_id": world.line_ids["SMT-1"], "note": "reel empty"}
    call = _ok(c.post(f"{API}/andon", json=body, headers={"Idempotency-Key": "andon-key-1"}), 201)
    again = _ok(c.post(f"{API}/andon", json=body, headers={"Idempotency-Key": "andon-key-1"}), 201)
    assert again["id"] == call["id"]
    assert call["raised_by"] == "Olga Operator"
    listed = _ok(as_role["supervisor"].get(f"{API}/andon"))
    assert [a["id"] for a in listed] == [call["id"]]
    assert c.post(f"{API}/andon/{call['id']}/acknowledge").status_code == 403
    acked = _ok(as_role["supervisor"].post(f"{API}/andon/{call['id']}/acknowledge"))
    assert acked["acknowledged_at"] is not None and acked["acknowledged_by"] == "Supervisor"
    assert _ok(as_role["supervisor"].get(f"{API}/andon")) == []
    bad = {"kind": "fire", "line_id": world.line_ids["SMT-1"]}
    r = c.post(f"{API}/andon", json=bad)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("kind")
    other = {"kind": "help", "line_id": world.line_ids["TEST-1"]}
    assert c.post(f"{API}/andon", json=other).status_code == 403


def test_the_order_report_route_takes_an_idempotency_key_too(
    as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    operator = as_role["operator"]
    ops = f"{API}/orders/{s['order']['id']}/operations/{s['op_id']}"
    _ok(operator.post(f"{ops}/actions", json={"action": "start", "version": 1},
                      headers={"Idempotency-Key": "ord-start-1"}))  # fmt: skip
    key = {"Idempotency-Key": "ord-report-1"}
    first = _ok(operator.post(f"{ops}/reports", json={"good": 4, "scrap": 1}, headers=key))
    again = _ok(operator.post(f"{ops}/reports", json={"good": 4, "scrap": 1}, headers=key))
    assert first["operations"][0]["good_qty"] == again["operations"][0]["good_qty"] == 4
    # Without a key the route behaves as before: every call counts.
    _ok(operator.post(f"{ops}/reports", json={"good": 4}))
    order = _ok(operator.get(f"{API}/orders/{s['order']['id']}"))
    assert (order["operations"][0]["good_qty"], order["operations"][0]["scrap_qty"]) == (8, 1)


def test_a_report_of_a_held_lot_or_unit_is_refused_naming_the_field(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    """Open nonconformances hold lot L-7 and serials SN-100 to SN-199 of the product:
    good or scrap reported for them at the terminal is a 409 naming ``lot`` or
    ``serial``, and nothing is counted; other lots and units, and the same lot once the
    hold is lifted by the disposition, are reported as before."""
    s = _setup(as_role, world)
    supervisor = as_role["supervisor"]
    held = {}
    ranges = {"lot": {"lot": "L-7"}, "serial": {"serial_from": "SN-100", "serial_to": "SN-199"}}
    for key, where in ranges.items():
        held[key] = _ok(
            supervisor.post(
                f"{API}/quality/nonconformances",
                json={"product_id": world.product_id, "description": f"held {key}", **where},
            ),
            201,
        )
        assert held[key]["hold"] is True
    c, _ = _badge(app)
    ops = f"{API}/terminal/operations/{s['op_id']}"
    _ok(c.post(f"{ops}/actions", json={"action": "start"}, headers={"Idempotency-Key": "h-start"}))
    scrap = {"scrap": 1, "reason_code_id": s["reasons"]["scrap"]}
    refused = [
        ({"good": 3, "lot": "L-7"}, "lot"),
        ({**scrap, "lot": "L-7"}, "lot"),
        ({"good": 1, "serial": "SN-150"}, "serial"),
        ({**scrap, "serial": "SN-100"}, "serial"),
    ]
    for i, (body, field) in enumerate(refused):
        r = c.post(f"{ops}/reports", json=body, headers={"Idempotency-Key": f"h-bad-{i}"})
        assert r.status_code == 409, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]
    order = _ok(c.get(f"{API}/orders/{s['order']['id']}"))
    assert (order["operations"][0]["good_qty"], order["operations"][0]["scrap_qty"]) == (0, 0)
    ok = [{"good": 2, "lot": "L-8"}, {"good": 1, "serial": "SN-200"}, {"good": 1}]
    for i, body in enumerate(ok):
        _ok(c.post(f"{ops}/reports", json=body, headers={"Idempotency-Key": f"h-ok-{i}"}))
    # The disposition lifts the lot's hold.
    ncr = held["lot"]
    _ok(
        supervisor.post(
            f"{API}/quality/nonconformances/{ncr['id']}/disposition",
            json={"disposition": "use_as_is", "version": ncr["version"]},
        )
    )
    again = {"good": 3, "lot": "L-7"}
    _ok(c.post(f"{ops}/reports", json=again, headers={"Idempotency-Key": "h-ok-9"}))
    order = _ok(c.get(f"{API}/orders/{s['order']['id']}"))
    assert order["operations"][0]["good_qty"] == 7
