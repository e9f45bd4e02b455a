"""Labour and the allocation board through the API: conflicts, history and rollback,
clocking, labour time, worker efficiency (APWT / APAT) and idle causes."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.audit import AuditRecord
from linewise.domains.labour.models import ClockEntry
from linewise.domains.terminal.models import TerminalAction
from linewise.ingest.models import StateInterval
from tests.conftest import World, login

API = "/api/v1"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _calendar(planner: TestClient, world: World) -> None:
    patterns = [
        {"code": "A", "name": "Early", "start": "06:00", "end": "14:00", "weekdays": EVERY_DAY},
        {"code": "B", "name": "Late", "start": "14:00", "end": "22:00", "weekdays": EVERY_DAY},
        {"code": "C", "name": "Night", "start": "22:00", "end": "06:00", "weekdays": EVERY_DAY},
    ]
    body = {"code": "P1", "name": "Plant", "site_id": world.site_id, "patterns": patterns}
    _ok(planner.post(f"{API}/calendars", json=body), 201)


def _operator(
    sup: TestClient, world: World, code: str, skills: list[str], area: str = "SMT", **extra: Any
) -> int:
    body = {
        "code": code,
        "name": f"Op {code}",
        "skills": skills,
        "area_ids": [world.area_ids[area]],
        **extra,
    }
    return int(_ok(sup.post(f"{API}/operators", json=body), 201)["id"])


def _board(c: TestClient, which: str = "next") -> Any:
    return _ok(c.get(f"{API}/allocation/board", params={"which": which}))


def _change(
    c: TestClient,
    board: Any,
    operator_id: int,
    line_id: int | None,
    action: str = "assign",
    reason: str = "",
    base: int | None = None,
) -> Any:
    body = {
        "site_id": board["site_id"],
        "shift_key": board["shift"]["key"],
        "base_version": board["version"] if base is None else base,
        "action": action,
        "operator_id": operator_id,
        "line_id": line_id,
        "reason": reason,
    }
    return c.post(f"{API}/allocation/changes", json=body)


def test_conflicts_are_found_before_saving_and_refused_with_their_reasons(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    sup, manager = as_role["supervisor"], as_role["manager"]
    _calendar(as_role["planner"], world)
    smt = world.line_ids["SMT-1"]
    anna = _operator(sup, world, "ANNA", ["smt_operator"])
    bert = _operator(sup, world, "BERT", ["test_technician"])
    carl = _operator(sup, world, "CARL", [])
    dora = _operator(sup, world, "DORA", ["smt_operator"])
    board = _board(sup)
    shift = board["shift"]
    # Carl's certificate for the SMT skill expired the day before the shift.
    expired = (date.fromisoformat(shift["day"]) - timedelta(days=1)).isoformat()
    _ok(
        manager.put(
            f"{API}/labour/skills",
            json={"operator_id": carl, "skill": "smt_operator", "level": 2, "expires_on": expired},
        )
    )
    _ok(
        sup.post(
            f"{API}/labour/absences",
            json={
                "operator_id": dora,
                "starts_at": shift["start"],
                "ends_at": shift["end"],
                "reason": "sick",
            },
        ),
        201,
    )

    board = _board(sup)
    assert _ok(_change(sup, board, anna, smt, reason="best on SMT"))["version"] == 1
    board = _board(sup)

    def check(operator_id: int, line_id: int = smt, action: str = "assign") -> list[str]:
        body = {
            "site_id": board["site_id"],
            "shift_key": shift["key"],
            "base_version": board["version"],
            "action": action,
            "operator_id": operator_id,
            "line_id": line_id,
        }
        return [c["code"] for c in _ok(sup.post(f"{API}/allocation/check", json=body))["conflicts"]]

    assert check(anna) == ["double_booking"]
    assert check(anna, action="move") == []
    assert check(bert) == ["missing_skill"]
    assert check(carl) == ["expired_certification"]
    assert check(dora) == ["absent"]
    # Checking wrote nothing.
    assert _board(sup)["version"] == 1
    # Saving is refused with the reasons in words, and nothing is saved.
    r = _change(sup, board, carl, smt)
    assert r.status_code == 409
    problem = r.json()
    assert problem["conflicts"][0]["code"] == "expired_certification"
    assert f"expired on {expired}" in problem["detail"]
    assert problem["errors"][0]["field"] == "operator_id"
    r = _change(sup, board, anna, smt)
    assert "is already on SMT-1 this shift" in r.json()["detail"]
    assert _board(sup)["version"] == 1

    # A machine down now is a conflict for its line.
    db.add(
        StateInterval(
            machine_id=world.machine_ids["SMT-1-PNP1"],
            start=datetime.now(UTC),
            end=None,
            state="down",
        )
    )
    db.commit()
    assert check(dora) == ["absent", "machine_down"]
    # An operator of shift C is outside an A/B shift.
    eve = _operator(sup, world, "EVE", ["smt_operator"], shift_code="X")
    assert "outside_shift" in check(eve)


def test_history_rollback_and_audit(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    sup = as_role["supervisor"]
    manager = as_role["manager"]
    _calendar(as_role["planner"], world)
    anna = _operator(manager, world, "ANNA", ["smt_operator", "test_technician"])
    board = _board(sup)
    _ok(_change(sup, board, anna, world.line_ids["SMT-1"], reason="start on SMT"))
    # The supervisor of SMT may not put anyone on the TEST line; a manager may.
    r = _change(sup, _board(sup), anna, world.line_ids["TEST-1"], action="move")
    assert r.status_code == 403
    moved = _ok(
        _change(
            manager,
            _board(manager),
            anna,
            world.line_ids["TEST-1"],
            action="move",
            reason="test is behind",
        )
    )
    assert moved["assignments"] == [
        {"operator_id": anna, "line_id": world.line_ids["TEST-1"], "machine_id": None}
    ]
    # Nor take her off TEST-1, directly or by rolling back to a version without it.
    r = _change(sup, moved, anna, None, action="unassign")
    assert r.status_code == 403 and "TEST-1 is outside your areas" in r.json()["detail"]
    r = sup.post(
        f"{API}/allocation/rollback",
        json={
            "site_id": world.site_id,
            "shift_key": moved["shift"]["key"],
            "base_version": 2,
            "to_version": 1,
        },
    )
    assert r.status_code == 403
    # A change made on an old version is refused.
    r = _change(manager, board, anna, world.line_ids["SMT-1"], action="move", base=1)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "base_version"

    key = moved["shift"]["key"]
    back = _ok(
        manager.post(
            f"{API}/allocation/rollback",
            json={
                "site_id": world.site_id,
                "shift_key": key,
                "base_version": 2,
                "to_version": 1,
                "reason": "undo",
            },
        )
    )
    assert back["version"] == 3
    assert back["assignments"] == [
        {"operator_id": anna, "line_id": world.line_ids["SMT-1"], "machine_id": None}
    ]
    history = _ok(sup.get(f"{API}/allocation/history", params={"shift_key": key}))
    assert [(h["version"], h["action"], h["actor"], h["reason"]) for h in history] == [
        (3, "rollback", "user:manager", "undo"),
        (2, "move", "user:manager", "test is behind"),
        (1, "assign", "user:supervisor", "start on SMT"),
    ]
    assert history[0]["restored_from"] == 1
    # History was not edited: version 2 still says TEST-1; every version is audited.
    assert history[1]["assignments"][0]["line_id"] == world.line_ids["TEST-1"]
    audited = db.scalars(
        select(AuditRecord)
        .where(AuditRecord.entity == "allocation_versions")
        .order_by(AuditRecord.seq)
    ).all()
    assert [(a.action, a.actor) for a in audited] == [
        ("create", "user:supervisor"),
        ("create", "user:manager"),
        ("create", "user:manager"),
    ]


def _badge(app: FastAPI, sup: TestClient, operator_id: int, badge: str) -> TestClient:
    _ok(sup.put(f"{API}/operators/{operator_id}/badge", json={"badge": badge, "pin": "2468"}))
    c = TestClient(app)
    r = _ok(c.post(f"{API}/auth/badge", json={"badge": badge, "pin": "2468"}))
    c.headers["X-CSRF-Token"] = r["csrf_token"]
    return c


def test_clock_in_and_out_and_see_my_station(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    sup = as_role["supervisor"]
    _calendar(as_role["planner"], world)
    anna = _operator(as_role["manager"], world, "ANNA", ["smt_operator", "test_technician"])
    bert = _operator(sup, world, "BERT", ["smt_operator"])
    _ok(_change(sup, _board(sup, "current"), anna, world.line_ids["SMT-1"]))
    me = _badge(app, sup, anna, "4711")
    mine = _ok(me.get(f"{API}/labour/me"))
    assert mine["current"]["station"] == "SMT-1" and mine["next"]["station"] is None
    assert mine["clocked_in_since"] is None
    state = _ok(me.post(f"{API}/labour/clock", json={"action": "in"}))
    assert state["clocked_in_since"] is not None
    r = me.post(f"{API}/labour/clock", json={"action": "in"})
    assert r.status_code == 409 and "already clocked in" in r.json()["detail"]
    # An operator clocks only themself; a supervisor clocks someone else.
    assert (
        me.post(f"{API}/labour/clock", json={"action": "in", "operator_id": bert}).status_code
        == 403
    )
    _ok(sup.post(f"{API}/labour/clock", json={"action": "in", "operator_id": bert}))
    rows = {r["code"]: r for r in _ok(sup.get(f"{API}/labour/shift"))["rows"]}
    assert rows["ANNA"]["station"] == "SMT-1" and rows["ANNA"]["clocked_in_since"]
    assert rows["BERT"]["station"] is None and rows["BERT"]["clocked_in_since"]
    # Who works where: her clock-in opened work on SMT-1; a move closes it and opens TEST-1.
    manager = as_role["manager"]
    _ok(_change(manager, _board(manager, "current"), anna, world.line_ids["TEST-1"], "move"))
    where = _ok(manager.get(f"{API}/labour/work-intervals"))
    assert [(w["line_code"], w["ended_at"] is None) for w in where] == [
        ("SMT-1", False),
        ("TEST-1", True),
    ]
    # The SMT supervisor sees only what happened on the lines of their areas.
    assert [w["line_code"] for w in _ok(sup.get(f"{API}/labour/work-intervals"))] == ["SMT-1"]
    out = _ok(me.post(f"{API}/labour/clock", json={"action": "out"}))
    assert out["clocked_in_since"] is None and out["last_clock_out"] is not None
    assert me.post(f"{API}/labour/clock", json={"action": "out"}).status_code == 409
    where = _ok(manager.get(f"{API}/labour/work-intervals"))
    assert all(w["ended_at"] is not None for w in where)
    # A supervisor's own account is no operator's: no station to show.
    assert sup.get(f"{API}/labour/me").status_code == 404


def test_labour_time_efficiency_and_idle_causes(
    app: FastAPI, as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    sup, planner = as_role["supervisor"], as_role["planner"]
    _calendar(planner, world)
    anna = _operator(sup, world, "ANNA", ["smt_operator"])
    bert = _operator(sup, world, "BERT", ["smt_operator"])
    _badge(app, sup, anna, "4711")
    order = _ok(
        planner.post(
            f"{API}/orders",
            json={
                "number": "PO-L1",
                "product_id": world.product_id,
                "quantity": 10,
                "due_date": "2030-01-10T12:00:00Z",
            },
        ),
        201,
    )
    op_id = order["operations"][0]["id"]
    # A past shift: A of 2026-11-30, 06:00-14:00 Berlin = 05:00-13:00 UTC.
    key = "A@2026-11-30"
    t0 = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    board = _ok(sup.get(f"{API}/allocation/board", params={"shift_key": key}))
    assert board["shift"]["start"].startswith("2026-11-30T05:00")
    _ok(_change(sup, board, anna, world.line_ids["SMT-1"]))

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    db.add_all(
        [
            # Anna is there for the first hour; Bert (on no station) for 30 minutes.
            ClockEntry(operator_id=anna, clock_in=at(0), clock_out=at(60)),
            ClockEntry(operator_id=bert, clock_in=at(0), clock_out=at(30)),
            # She runs the operation 10-30 and 40-50 (a pause between).
            *[
                TerminalAction(
                    key=f"k{i}",
                    fingerprint="x",
                    kind=kind,
                    operation_id=op_id,
                    actor="user:badge-ANNA",
                    created_at=at(m),
                    answer={},
                )
                for i, (kind, m) in enumerate(
                    [("start", 10), ("hold", 30), ("resume", 40), ("complete", 50)]
                )
            ],
            # The machine: down 0-10, setup 30-40, starved 50-60.
            StateInterval(
                machine_id=world.machine_ids["SMT-1-PNP1"], start=at(0), end=at(10), state="down"
            ),
            StateInterval(
                machine_id=world.machine_ids["SMT-1-PNP1"], start=at(30), end=at(40), state="setup"
            ),
            StateInterval(
                machine_id=world.machine_ids["SMT-1-PNP1"],
                start=at(50),
                end=at(60),
                state="idle",
                reason="starved",
            ),
        ]
    )
    db.commit()
    rows = {
        r["code"]: r for r in _ok(sup.get(f"{API}/labour/shift", params={"shift_key": key}))["rows"]
    }
    a = rows["ANNA"]
    assert (a["attendance_s"], a["work_s"], a["efficiency"]) == (3600, 1800, 0.5)
    assert a["operations"] == [{"operation_id": op_id, "seconds": 1800}]
    assert a["idle"] == {
        "no_assignment": 0,
        "machine_down": 600,
        "starved": 600,
        "blocked": 0,
        "no_material": 0,
        "waiting_setup": 600,
    }
    b = rows["BERT"]
    assert (b["attendance_s"], b["work_s"], b["efficiency"]) == (1800, 0, 0)
    assert b["idle"]["no_assignment"] == 1800
    people = _ok(sup.get(f"{API}/labour/operations/{op_id}"))["people"]
    assert people == [{"operator_id": anna, "name": "Op ANNA", "seconds": 1800}]


def test_a_change_reaches_another_open_board_live(app: FastAPI, world: World) -> None:
    with TestClient(app) as watcher, TestClient(app) as sup:
        login(watcher, "manager")
        login(sup, "supervisor")
        _calendar(login(TestClient(app), "planner"), world)
        anna = _operator(sup, world, "ANNA", ["smt_operator"])
        board = _board(sup)
        with watcher.websocket_connect(f"{API}/live") as ws:
            assert ws.receive_json()["type"] == "snapshot"
            started = time.perf_counter()
            _ok(_change(sup, board, anna, world.line_ids["SMT-1"]))
            message = ws.receive_json()
            delay = time.perf_counter() - started
    assert message["type"] == "allocation"
    assert (message["shift_key"], message["version"]) == (board["shift"]["key"], 1)
    print(f"change saved and heard by another board in {delay * 1000:.1f} ms")
    assert delay < 2.0


def test_hostile_input_names_the_field_and_writes_nothing(
    as_role: dict[str, TestClient], world: World
) -> None:
    sup = as_role["supervisor"]
    _calendar(as_role["planner"], world)
    anna = _operator(sup, world, "ANNA", ["smt_operator"])
    board = _board(sup)
    base = {
        "site_id": world.site_id,
        "shift_key": board["shift"]["key"],
        "base_version": 0,
        "action": "assign",
        "operator_id": anna,
        "line_id": world.line_ids["SMT-1"],
    }

    def field_of(body: dict[str, Any], status: int = 422) -> str:
        r = sup.post(f"{API}/allocation/changes", json=body)
        assert r.status_code == status, r.text
        return str(r.json()["errors"][0]["field"])

    assert field_of({**base, "shift_key": "Z@2026-13-45"}) == "shift_key"
    assert field_of({**base, "shift_key": "Q@2026-12-01"}) == "shift_key"  # no such shift
    assert field_of({**base, "operator_id": 999999}) == "operator_id"
    assert field_of({**base, "line_id": 999999}) == "line_id"
    assert field_of({**base, "site_id": 999999}) == "site_id"
    assert field_of({**base, "line_id": None}) == "line_id"
    other_machine = world.machine_ids["TEST-1-ICT"]
    assert field_of({**base, "machine_id": other_machine}) == "machine_id"
    assert field_of({**base, "action": "unassign"}) == "operator_id"  # not on the board
    r = sup.post(
        f"{API}/labour/absences",
        json={
            "operator_id": anna,
            "reason": "x",
            "starts_at": "2026-12-02T10:00:00Z",
            "ends_at": "2026-12-02T09:00:00Z",
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ends_at"
    r = as_role["manager"].put(
        f"{API}/labour/skills", json={"operator_id": anna, "skill": "smt_operator", "level": 9}
    )
    assert r.status_code == 422
    # A supervisor may not edit the skill matrix.
    r = sup.put(f"{API}/labour/skills", json={"operator_id": anna, "skill": "s", "level": 1})
    assert r.status_code == 403
    assert _board(sup)["version"] == 0
    assert _ok(sup.get(f"{API}/labour/absences")) == []
    assert _ok(sup.get(f"{API}/labour/skills")) == []


def test_a_clock_tap_queued_offline_counts_at_its_time_once(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    sup = as_role["supervisor"]
    _calendar(as_role["planner"], world)
    anna = _operator(sup, world, "ANNA", ["smt_operator"])
    bert = _operator(sup, world, "BERT", ["smt_operator"])
    me = _badge(app, sup, anna, "4711")
    now = datetime.now(UTC)
    tapped_in = (now - timedelta(minutes=50)).isoformat()
    body = {"action": "in", "operator_id": anna, "at": tapped_in}
    first = _ok(me.post(f"{API}/labour/clock", json=body))
    assert datetime.fromisoformat(first["clocked_in_since"]) == datetime.fromisoformat(tapped_in)
    # The answer was lost and the terminal sends the same tap again: the same answer.
    assert _ok(me.post(f"{API}/labour/clock", json=body)) == first
    # A different tap "in" is a real double clock-in.
    again = {**body, "at": (now - timedelta(minutes=10)).isoformat()}
    assert me.post(f"{API}/labour/clock", json=again).status_code == 409
    tapped_out = (now - timedelta(minutes=5)).isoformat()
    out = {"action": "out", "at": tapped_out}
    booked = _ok(me.post(f"{API}/labour/clock", json=out))["last_clock_out"]
    assert datetime.fromisoformat(booked) == datetime.fromisoformat(tapped_out)
    assert _ok(me.post(f"{API}/labour/clock", json=out))["last_clock_out"] == booked
    # A tap older than the last clocking is refused, naming the time.
    late = me.post(f"{API}/labour/clock", json={"action": "in", "at": tapped_in})
    assert late.status_code == 409 and late.json()["errors"][0]["field"] == "at"
    # Hostile times: the future and yesterday's stale queue, named.
    for at, why in ((now + timedelta(hours=1), "in the future"),
                    (now - timedelta(hours=25), "older than 24 hours")):  # fmt: skip
        r = me.post(f"{API}/labour/clock", json={"action": "in", "at": at.isoformat()})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0] == {**r.json()["errors"][0], "field": "at", "message": why}
    # A tap queued by Anna and sent under Bert's session is not booked for Bert.
    bert_me = _badge(app, sup, bert, "4712")
    r = bert_me.post(f"{API}/labour/clock", json={"action": "in", "operator_id": anna})
    assert r.status_code == 403
    assert _ok(bert_me.get(f"{API}/labour/me"))["clocked_in_since"] is None
