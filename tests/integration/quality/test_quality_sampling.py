"""Sampling rules enforced (SQLite and PostgreSQL): the terminal's stage says which
samples its step's plans ask for, from the units reported and the line's setups; a
result recorded for the order covers them; the supervisor's list shows the overdue ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.ingest.models import StateInterval
from tests.conftest import World

API = "/api/v1"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _plan(planner: TestClient, world: World, name: str, char: dict[str, Any], **rule: Any) -> int:
    plan = _ok(
        planner.post(
            f"{API}/quality/plans",
            json={"product_id": world.product_id, "step_seq": 1, "name": name, **rule},
        ),
        201,
    )["id"]
    return int(
        _ok(planner.post(f"{API}/quality/characteristics", json={"plan_id": plan, **char}), 201)[
            "id"
        ]
    )


def _setup(as_role: dict[str, TestClient], world: World) -> dict[str, Any]:
    planner = as_role["planner"]
    order = _ok(
        planner.post(
            f"{API}/orders",
            json={"number": "PO-S1", "product_id": world.product_id, "quantity": 100,
                  "due_date": "2030-01-10T12:00:00Z"},
        ),
        201,
    )  # fmt: skip
    order = _ok(
        planner.post(
            f"{API}/orders/{order['id']}/transitions",
            json={"to": "released", "version": order["version"]},
        )
    )
    width = {"kind": "variable", "nominal": 10.0, "lsl": 9.8, "usl": 10.2, "unit": "mm"}
    return {
        "order": order,
        "op_id": order["operations"][0]["id"],
        "nth": _plan(planner, world, "Width", {"name": "Width", **width},
                     sampling="nth", sample_every=4),
        "first": _plan(planner, world, "First article", {"name": "Print", "kind": "attribute"},
                       sampling="first_piece"),
    }  # fmt: skip


def _stage(c: TestClient, world: World) -> dict[str, Any]:
    work = _ok(c.get(f"{API}/terminal/work", params={"line_id": world.line_ids["SMT-1"]}))
    (stage,) = work["operations"]
    return dict(stage)


def _due(stage: dict[str, Any]) -> dict[str, tuple[int, int, list[int]]]:
    return {
        s["characteristic"]: (s["pending"], s["overdue"], s["missing"]) for s in stage["samples"]
    }


def _report(c: TestClient, op_id: int, good: int, key: str) -> dict[str, Any]:
    return dict(
        _ok(
            c.post(
                f"{API}/terminal/operations/{op_id}/reports",
                json={"good": good},
                headers={"Idempotency-Key": key},
            )
        )
    )


def _sample(c: TestClient, world: World, s: dict[str, Any], char: int, **m: Any) -> None:
    _ok(
        c.post(
            f"{API}/quality/inspections",
            json={"product_id": world.product_id, "step_seq": 1, "order_id": s["order"]["id"],
                  "line_id": world.line_ids["SMT-1"],
                  "measurements": [{"characteristic_id": char, **m}]},
        ),
        201,
    )  # fmt: skip


def test_nth_and_first_piece_samples_follow_the_reports_and_the_setups(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    s = _setup(as_role, world)
    op, sup = as_role["operator"], as_role["supervisor"]
    ops = f"{API}/terminal/operations/{s['op_id']}"
    started = _ok(op.post(f"{ops}/actions", json={"action": "start"},
                          headers={"Idempotency-Key": "smp-start"}))  # fmt: skip
    # Nothing reported yet: nothing due.
    assert started["samples"] == []
    assert _stage(op, world)["samples"] == []

    # Three units: the first piece (unit 1) is due and the line went past it; the 4th
    # unit's width is not due yet.
    answer = _report(op, s["op_id"], 3, "smp-r1")
    assert _due(answer) == {"Print": (1, 1, [1])}
    # Five units: unit 4's width is due, and overdue (unit 5 was reported after it).
    _report(op, s["op_id"], 2, "smp-r2")
    stage = _stage(op, world)
    assert _due(stage) == {"Print": (1, 1, [1]), "Width": (1, 1, [4])}
    width = next(x for x in stage["samples"] if x["characteristic"] == "Width")
    # The terminal gets the specification with the due sample.
    assert (width["lsl"], width["usl"], width["unit"], width["sampling"]) == (
        9.8,
        10.2,
        "mm",
        "nth",
    )
    overdue = _ok(sup.get(f"{API}/quality/samples", params={"overdue": True}))
    assert sorted((x["order_number"], x["characteristic"], x["overdue"]) for x in overdue) == [
        ("PO-S1", "Print", 1),
        ("PO-S1", "Width", 1),
    ]

    # Recording both samples for the order covers them.
    _sample(op, world, s, s["nth"], value=10.05)
    _sample(op, world, s, s["first"], passed=True)
    assert _stage(op, world)["samples"] == []
    assert _ok(sup.get(f"{API}/quality/samples")) == []

    # A setup on the line: the first piece after it needs its own sample; the sample
    # recorded before the setup does not cover it.
    now = utcnow()
    db.add(
        StateInterval(
            machine_id=world.machine_ids["SMT-1-PNP1"], start=now, end=now + timedelta(seconds=1),
            state="setup",
        )
    )  # fmt: skip
    db.commit()
    _report(op, s["op_id"], 1, "smp-r3")
    # Unit 6 is the first after the setup: due, not overdue yet.
    assert _due(_stage(op, world)) == {"Print": (1, 0, [6])}
    assert _ok(sup.get(f"{API}/quality/samples", params={"overdue": True})) == []
    listed = _ok(sup.get(f"{API}/quality/samples"))
    assert [(x["characteristic"], x["missing"]) for x in listed] == [("Print", [6])]
    # Three more: unit 8's width is due (n = 4) and unit 6's first piece is overdue.
    _report(op, s["op_id"], 2, "smp-r4")
    assert _due(_stage(op, world)) == {"Print": (1, 1, [6]), "Width": (1, 0, [8])}
    _sample(op, world, s, s["first"], passed=True)
    assert _due(_stage(op, world)) == {"Width": (1, 0, [8])}

    # Another area's supervisor-scoped list stays empty; the planner (all areas) sees it.
    assert (
        _ok(sup.get(f"{API}/quality/samples", params={"line_id": world.line_ids["TEST-1"]})) == []
    )
    assert [x["characteristic"] for x in _ok(as_role["planner"].get(f"{API}/quality/samples"))] == [
        "Width"
    ]


def test_a_machine_result_without_an_order_counts_on_the_operations_line(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    op = as_role["operator"]
    ops = f"{API}/terminal/operations/{s['op_id']}"
    _ok(op.post(f"{ops}/actions", json={"action": "start"},
                headers={"Idempotency-Key": "smp-start-2"}))  # fmt: skip
    _report(op, s["op_id"], 8, "smp-m1")
    # Unit 8 is the last reported: due, not overdue; unit 4 is overdue.
    assert _due(_stage(op, world))["Width"] == (2, 1, [4, 8])
    # A count result of two units, naming the line but no order, covers both.
    _ok(
        op.post(
            f"{API}/quality/inspections",
            json={"product_id": world.product_id, "step_seq": 1, "quantity": 2,
                  "line_id": world.line_ids["SMT-1"],
                  "measurements": [{"characteristic_id": s["nth"], "value": 10.0}]},
        ),
        201,
    )  # fmt: skip
    assert "Width" not in _due(_stage(op, world))
    # One on another line does not.
    _report(op, s["op_id"], 4, "smp-m2")
    _ok(
        as_role["manager"].post(
            f"{API}/quality/inspections",
            json={"product_id": world.product_id, "step_seq": 1,
                  "line_id": world.line_ids["TEST-1"],
                  "measurements": [{"characteristic_id": s["nth"], "value": 10.0}]},
        ),
        201,
    )  # fmt: skip
    assert _due(_stage(op, world))["Width"] == (1, 0, [12])


def test_random_share_is_reproducible_and_covered_in_order(
    as_role: dict[str, TestClient], world: World
) -> None:
    s = _setup(as_role, world)
    char = _plan(as_role["planner"], world, "Audit", {"name": "Solder joints", "kind": "attribute"},
                 sampling="random", sample_share=0.25)  # fmt: skip
    op = as_role["operator"]
    ops = f"{API}/terminal/operations/{s['op_id']}"
    _ok(op.post(f"{ops}/actions", json={"action": "start"},
                headers={"Idempotency-Key": "smp-start-3"}))  # fmt: skip
    _report(op, s["op_id"], 40, "smp-x1")
    first = {x["characteristic"]: x for x in _stage(op, world)["samples"]}["Solder joints"]
    again = {x["characteristic"]: x for x in _stage(op, world)["samples"]}["Solder joints"]
    assert first == again  # the same units at every read
    assert first["required"] == first["pending"] == len(first["missing"]) > 0
    assert all(1 <= u <= 40 for u in first["missing"])
    assert first["missing"] == sorted(set(first["missing"]))
    # One sample covers the first due unit; the rest stay.
    _sample(op, world, s, char, passed=True)
    after = {x["characteristic"]: x for x in _stage(op, world)["samples"]}.get("Solder joints")
    rest = first["missing"][1:]
    assert (after["missing"] if after else []) == rest
