"""HTTP ingest: idempotent, order-independent, and bad input never costs good events."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.core.bus import Bus
from linewise.ingest.models import CountEvent, QuarantinedEvent, StateEvent, StateInterval
from linewise.ingest.recorder import Overloaded, Recorder
from tests.conftest import World
from tests.integration.ingest.conftest import count, state, ts

SEQUENCE = ["producing", "down", "producing", "setup", "producing", "idle", "producing"]


def _intervals(db: Session, machine_id: int) -> list[tuple[str, str, str | None]]:
    db.expire_all()
    rows = db.scalars(
        select(StateInterval)
        .where(StateInterval.machine_id == machine_id)
        .order_by(StateInterval.start)
    ).all()
    return [(r.state, r.start.isoformat(), r.end.isoformat() if r.end else None) for r in rows]


def test_states_become_intervals_and_repeats_are_stored_once(
    device: TestClient, db: Session, world: World
) -> None:
    events = [state(f"e{i}", i * 60, s) for i, s in enumerate(SEQUENCE)]
    r = device.post("/api/v1/ingest", json=events)
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 7, "duplicates": 0, "rejected": []}
    again = device.post("/api/v1/ingest", json=events[2:5])
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}
    machine = world.machine_ids["SMT-1-PNP1"]
    intervals = _intervals(db, machine)
    assert [i[0] for i in intervals] == SEQUENCE
    assert intervals[0][1:] == (ts(0).replace("Z", "+00:00"), ts(60).replace("Z", "+00:00"))
    assert intervals[-1][2] is None  # still producing
    assert db.scalar(select(func.count()).select_from(StateEvent)) == 7


def test_out_of_order_batches_give_the_same_intervals(
    device: TestClient, db: Session, world: World
) -> None:
    events = [state(f"e{i}", i * 30, SEQUENCE[i % len(SEQUENCE)]) for i in range(40)]
    # Heartbeats (same state again) must not split an interval.
    events.append(state("hb", 45, SEQUENCE[1]))
    shuffled = events[:]
    random.Random(4).shuffle(shuffled)
    for i in range(0, len(shuffled), 7):
        assert device.post("/api/v1/ingest", json=shuffled[i : i + 7]).status_code == 200
    got = _intervals(db, world.machine_ids["SMT-1-PNP1"])
    expected = []
    for e in sorted(events[:40], key=lambda e: e["ts"]):
        if expected and expected[-1][0] == e["state"]:
            continue
        expected.append((e["state"], e["ts"].replace("Z", "+00:00")))
    assert [(g[0], g[1]) for g in got] == expected
    # Intervals tile time: each ends where the next begins.
    assert all(a[2] == b[1] for a, b in itertools.pairwise(got))


def test_ndjson_with_bad_lines_keeps_the_good_ones(
    device: TestClient, as_role: dict[str, TestClient], db: Session, world: World
) -> None:
    lines = [
        json.dumps(state("ok1", 0, "producing")),
        "{not json",
        json.dumps(state("ok2", 60, "down", reason="nozzle_jam")),
        json.dumps(state("bad-machine", 60, "down", machine="NOPE-9")),
        json.dumps({**count("bad-type", 70, 5), "good": "lots"}),
        json.dumps(state("bad-state", 80, "exploded")),
        json.dumps(state("future", 10**9, "producing")),
        json.dumps({"id": "no-type", "ts": ts(5), "machine": "SMT-1-PNP1"}),
    ]
    r = device.post(
        "/api/v1/ingest",
        content="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    fields = sorted(x["field"] or "" for x in body["rejected"])
    assert fields == ["body", "good", "machine", "state", "ts", "type"]
    reasons = " | ".join(x["reason"] for x in body["rejected"])
    assert "no machine 'NOPE-9'" in reasons and "too far in the future" in reasons
    assert db.scalar(select(func.count()).select_from(QuarantinedEvent)) == 6
    q = as_role["manager"].get("/api/v1/ingest/quarantine").json()["items"]
    assert len(q) == 6 and any("NOPE-9" in item["payload"] for item in q)
    # a supervisor of SMT sees what names SMT's machine, not the unknown or unparseable
    q = as_role["supervisor"].get("/api/v1/ingest/quarantine").json()["items"]
    assert len(q) == 4 and all("SMT-1-PNP1" in item["payload"] for item in q)
    assert as_role["operator"].get("/api/v1/ingest/quarantine").status_code == 403


def test_counts_move_order_progress_from_the_last_station_only(
    device: TestClient, as_role: dict[str, TestClient], db: Session, world: World
) -> None:
    planner = as_role["planner"]
    order = planner.post(
        "/api/v1/orders",
        json={"number": "PO-9", "product_id": world.product_id, "quantity": 100,
              "due_date": "2099-01-10T12:00:00Z"},
    ).json()  # fmt: skip
    planner.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "released", "version": 1})
    op = order["operations"][0]
    as_role["admin"].post(
        f"/api/v1/orders/{order['id']}/operations/{op['id']}/actions",
        json={"action": "start", "version": 1},
    )
    # The world's SMT-1 has one machine, so it is the line's last station.
    events = [count(f"c{i}", i, 4, 1, order="PO-9", operation=1) for i in range(5)]
    events.append(count("x", 9, 1, order="PO-404"))
    r = device.post("/api/v1/ingest", json=events)
    assert r.json()["accepted"] == 5
    assert r.json()["rejected"][0]["field"] == "order"
    detail = planner.get(f"/api/v1/orders/{order['id']}").json()
    assert (detail["operations"][0]["good_qty"], detail["operations"][0]["scrap_qty"]) == (20, 5)
    assert detail["current_stage"]["progress"] == 0.2
    device.post("/api/v1/ingest", json=events[:2])  # a resend changes nothing
    detail = planner.get(f"/api/v1/orders/{order['id']}").json()
    assert detail["operations"][0]["good_qty"] == 20
    assert db.scalar(select(func.sum(CountEvent.good))) == 20


def test_only_device_keys_and_admins_ingest(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    r = as_role["planner"].post("/api/v1/ingest", json=[state("p", 0, "producing")])
    assert r.status_code == 403
    r = as_role["admin"].post("/api/v1/ingest", json=[state("p", 0, "producing")])
    assert r.status_code == 503  # the app's services (the recorder) are not running
    with TestClient(app):
        r = as_role["admin"].post("/api/v1/ingest", json=[state("p", 0, "producing")])
        assert r.status_code == 200


class _StalledRecorder(Recorder):
    """A recorder whose writer never runs: the database is slower than the input."""

    def start(self) -> None:
        pass

    @property
    def running(self) -> bool:
        return True  # started, as far as anyone can tell: it just never writes


def test_full_queue_pushes_back_with_retry_after(
    app: FastAPI, device: TestClient, engine: Engine, world: World
) -> None:
    stalled = _StalledRecorder(engine, Bus(), max_pending_events=10)
    app.state.recorder = stalled
    stalled.submit([], [], "test")  # nothing pending yet, so this is allowed
    first: Any = stalled.submit([], [], "test")
    assert not first.done()
    stalled._pending = 10  # as if ten events were waiting
    r = device.post("/api/v1/ingest", json=[state("p", 0, "producing")])
    assert r.status_code == 503 and "behind" in r.json()["detail"], r.text
    assert r.headers["Retry-After"] == "1"
    assert r.headers["content-type"].startswith("application/problem+json")


def test_recorder_bounds_memory_then_writes_everything(engine: Engine, world: World) -> None:
    from linewise.ingest.events import decode

    events, _ = decode([state(f"q{i}", i, SEQUENCE[i % 7]) for i in range(30)])
    recorder = Recorder(engine, Bus(), max_pending_events=25)
    futures = [recorder.submit(events[:10], [], "t"), recorder.submit(events[10:20], [], "t")]
    try:
        recorder.submit(events[20:], [], "t")
        raise AssertionError("the third batch should have been refused")
    except Overloaded as exc:
        assert exc.pending == 20
    recorder.start()
    try:
        results = [f.result(timeout=30) for f in futures]
    finally:
        recorder.stop()
    assert sum(r.accepted for r in results) == 20
    assert recorder.pending == 0


def test_floor_marks_machines_that_went_silent(
    device: TestClient, as_role: dict[str, TestClient], world: World
) -> None:
    from datetime import UTC, datetime, timedelta

    def stamp(delta: timedelta) -> str:
        return (datetime.now(UTC) - delta).isoformat().replace("+00:00", "Z")

    old, fresh = stamp(timedelta(hours=1)), stamp(timedelta(seconds=5))
    device.post(
        "/api/v1/ingest",
        json=[
            {"id": "a", "ts": old, "machine": "SMT-1-PNP1", "type": "state", "state": "producing"},
            {"id": "b", "ts": old, "machine": "TEST-1-ICT", "type": "state", "state": "producing"},
            {"id": "c", "ts": fresh, "machine": "TEST-1-ICT", "type": "telemetry",
             "signals": {"temperature_c": 30.5}},
        ],
    )  # fmt: skip
    floor = as_role["manager"].get("/api/v1/floor").json()
    machines = {m["code"]: m for line in floor["lines"] for m in line["machines"]}
    # Still "producing" as last reported, but nothing heard for an hour: silent.
    assert machines["SMT-1-PNP1"]["state"] == "producing"
    assert machines["SMT-1-PNP1"]["silent"] is True
    # Telemetry counts as a sign of life.
    assert machines["TEST-1-ICT"]["silent"] is False
    assert machines["TEST-1-ICT"]["last_seen"].startswith(fresh[:19])
    assert floor["silent_after_s"] == 600


def test_a_caller_that_gives_up_does_not_kill_the_writer(engine: Engine, world: World) -> None:
    """A client that disconnects cancels its awaited future; the write still happens and
    the writer thread lives on for everyone else."""
    from linewise.ingest.events import decode

    events, _ = decode([state(f"g{i}", i, SEQUENCE[i % 7]) for i in range(4)])
    recorder = Recorder(engine, Bus())
    first = recorder.submit(events[:2], [], "t")
    assert first.cancel() is False  # already running: cannot be called off
    recorder.start()
    try:
        assert first.result(timeout=30).accepted == 2
        assert recorder.submit(events[2:], [], "t").result(timeout=30).accepted == 2
    finally:
        recorder.stop()
