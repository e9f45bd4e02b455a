"""Hostile input to ingest: every bad event is quarantined with the field at fault and
its valid neighbours are stored; bodies over the limit are refused while they arrive;
/health answers within a second while a large batch is decoded and written."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.ingest.models import CountEvent, QuarantinedEvent, StateEvent, StateInterval
from tests.conftest import World
from tests.servers import Server
from tests.services import free_port

MACHINE = "SMT-1-PNP1"


def stamp(seconds_ago: float = 60.0) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


def state(eid: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "ts": stamp(),
        "machine": MACHINE,
        "type": "state",
        "state": "producing",
        **kw,
    }


def count(eid: str, **kw: Any) -> dict[str, Any]:
    return {"id": eid, "ts": stamp(), "machine": MACHINE, "type": "count", "good": 1, **kw}


def telemetry(eid: str, **signals: Any) -> dict[str, Any]:
    return {"id": eid, "ts": stamp(), "machine": MACHINE, "type": "telemetry", "signals": signals}


# (what, event, field named in the reject, words in its reason)
HOSTILE: list[tuple[str, Any, str, str]] = [
    ("year 1", state("y1", ts="0001-01-01T00:00:00Z"), "ts", "too far in the past"),
    ("year 1 at +14:00", state("y1b", ts="0001-01-01T00:00:00+14:00"), "ts", "out of range"),
    ("year 9999 at -14:00", state("y9", ts="9999-12-31T23:59:59-14:00"), "ts", "out of range"),
    ("1970", state("epoch", ts="1970-01-01T00:00:00Z", state="down"), "ts", "too far in the past"),
    ("a year ahead", state("ahead", ts=stamp(-365 * 86_400)), "ts", "too far in the future"),
    ("ts as a numeric string", state("ts-str", ts="12"), "ts", "RFC 3339"),
    ("ts true", state("ts-bool", ts=True), "ts", "RFC 3339"),
    ("ts as Unix seconds", state("ts-unix", ts=1_780_000_000), "ts", "RFC 3339"),
    ("ts without offset", state("ts-naive", ts="2026-12-01T08:00:00"), "ts", "RFC 3339"),
    ("ts a date only", state("ts-date", ts="2026-12-01"), "ts", "RFC 3339"),
    ("ts an object", state("ts-obj", ts={"$date": 1}), "ts", "RFC 3339"),
    ("good true", count("g-bool", good=True), "good", "integer"),
    ("good as a string", count("g-str", good="12"), "good", "integer"),
    ("good a fraction", count("g-frac", good=1.5), "good", "integer"),
    ("good negative", count("g-neg", good=-1), "good", "greater than or equal"),
    ("reject negative", count("r-neg", reject=-5), "reject", "greater than or equal"),
    ("good beyond int64", count("g-big", good=2**64), "good", ""),
    ("operation beyond int64", count("op-big", operation=2**63), "operation", "less than"),
    ("operation beyond int32", count("op-32", operation=2**31), "operation", "less than"),
    ("NaN signal", telemetry("nan", temp=float("nan")), "signals.temp", "finite"),
    ("infinite signal", telemetry("inf", temp=float("inf")), "signals.temp", "finite"),
    ("minus infinite signal", telemetry("ninf", temp=float("-inf")), "signals.temp", "finite"),
    ("signal as a string", telemetry("s-str", temp="12"), "signals.temp", "valid number"),
    ("signal true", telemetry("s-bool", temp=True), "signals.temp", "valid number"),
    ("huge array signal", telemetry("s-arr", temp=[0] * 100_000), "signals.temp", "number"),
    ("machine with NUL", count("m-nul", machine="SMT-1\x00PNP1"), "machine", "U+0000"),
    ("machine with newline", count("m-nl", machine="SMT-1\nPNP1"), "machine", "U+000A"),
    ("machine with ESC", state("m-esc", machine="\x1b[31mSMT"), "machine", "U+001B"),
    ("reason with a control", state("r-ctl", reason="jam\x18"), "reason", "U+0018"),
    ("huge id", state("x" * 1_000_000), "id", "at most 80"),
    ("huge reason", state("r-long", reason="r" * 1_000_000), "reason", "at most 60"),
    ("id a number", {**state("n"), "id": 12}, "id", "valid string"),
    ("unknown field", state("extra", colour="red"), "colour", "not permitted"),
    ("huge unknown field", state("extra2", **{"k" * 100_000: 1}), "k" * 60, "not permitted"),
    ("unknown field with NUL", state("extra3", **{"a\x00b": 1}), "a\\u0000b", "not permitted"),
    ("unknown type", {**state("t"), "type": "explosion"}, "type", "must be one of"),
    ("state a number", state("s-num", state=5), "state", "Input should be"),
    ("not an object", 5, "event", "JSON object"),
    ("an array", [state("inner")], "event", "JSON object"),
    ("deep object", state("deep", reason=json.loads("[" * 500 + "]" * 500)), "reason", ""),
]
# Events only raw text can carry: they are not what json.dumps writes.
RAW: list[tuple[str, str, str, str]] = [
    ("1,000-deep array", "[" * 1000 + "]" * 1000, "body", "nested"),
    ("1,000-deep object", '{"a":' * 1000 + "1" + "}" * 1000, "body", "nested"),
    (
        "overflowing float",
        json.dumps(telemetry("ovf", temp=1.0)).replace('"temp": 1.0', '"temp": 1e999'),
        "signals.temp",
        "finite",
    ),
    (
        "integer of 5,000 digits",
        json.dumps(count("dig")).replace('"good": 1', '"good": ' + "9" * 5000),
        "body",
        "digits",
    ),
]


def _stored(db: Session) -> set[str]:
    db.rollback()
    return set(db.scalars(select(StateEvent.event_id))) | set(
        db.scalars(select(CountEvent.event_id))
    )


@pytest.fixture
def settings(engine: Engine) -> Settings:
    # The default window around now: these tests stamp their events relative to it. No
    # in-app job workers, rate limits or scheduled backups, as in tests/conftest.py.
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        jobs_workers=0,
        rate_limit_per_minute=0,
        rate_limit_device_per_minute=0,
        backup_dir=None,
    )


def test_each_hostile_event_is_refused_by_field_and_its_neighbours_stored(
    device: TestClient, db: Session, world: World
) -> None:
    failures: list[str] = []
    for number, (what, event, field, words) in enumerate(HOSTILE):
        neighbours = [count(f"before-{number}"), count(f"after-{number}")]
        body = json.dumps([neighbours[0], event, neighbours[1]])  # NaN as JSON's NaN
        r = device.post(
            "/api/v1/ingest", content=body, headers={"content-type": "application/json"}
        )
        if r.status_code != 200:
            failures.append(f"{what}: {r.status_code} {r.text[:200]}")
            continue
        answer = r.json()
        rejected = answer["rejected"]
        if answer["accepted"] != 2 or len(rejected) != 1:
            failures.append(f"{what}: accepted {answer['accepted']}, rejected {rejected}")
        elif rejected[0]["field"] != field or words not in rejected[0]["reason"]:
            failures.append(f"{what}: {rejected[0]} (expected field {field!r}, {words!r})")
    for number, (what, raw, field, words) in enumerate(RAW):
        neighbours = [
            json.dumps(count(f"raw-before-{number}")),
            json.dumps(count(f"raw-after-{number}")),
        ]
        for content_type, body in (
            ("application/json", f"[{neighbours[0]}, {raw}, {neighbours[1]}]"),
            ("application/x-ndjson", f"{neighbours[0]}\n{raw}\n{neighbours[1]}"),
        ):
            r = device.post("/api/v1/ingest", content=body, headers={"content-type": content_type})
            if r.status_code != 200:
                failures.append(f"{what} ({content_type}): {r.status_code} {r.text[:200]}")
                continue
            rejected = r.json()["rejected"]
            if (
                len(rejected) != 1
                or rejected[0]["field"] != field
                or words not in rejected[0]["reason"]
            ):
                failures.append(f"{what} ({content_type}): {rejected} (expected {field!r})")
    assert not failures, "\n".join(failures)
    stored = _stored(db)
    expected = {f"{side}-{n}" for side in ("before", "after") for n in range(len(HOSTILE))}
    expected |= {f"raw-{side}-{n}" for side in ("before", "after") for n in range(len(RAW))}
    assert expected <= stored, f"valid neighbours lost: {sorted(expected - stored)}"
    assert len(stored) == len(expected)  # nothing hostile was stored
    quarantined = db.scalar(select(func.count()).select_from(QuarantinedEvent))
    assert quarantined == len(HOSTILE) + 2 * len(RAW)


def test_a_state_stamped_1970_does_not_rewrite_history(
    device: TestClient, db: Session, world: World
) -> None:
    r = device.post("/api/v1/ingest", json=[state("now", ts=stamp(3600))])
    assert r.json()["accepted"] == 1
    r = device.post(
        "/api/v1/ingest", json=[state("reset", ts="1970-01-01T00:00:00Z", state="down")]
    )
    assert r.status_code == 200
    assert r.json()["accepted"] == 0
    assert r.json()["rejected"][0]["field"] == "ts"
    assert "LINEWISE_INGEST_MAX_PAST_S" in r.json()["rejected"][0]["reason"]
    db.rollback()
    intervals = db.scalars(select(StateInterval.state)).all()
    assert intervals == ["producing"]


def test_the_past_bound_is_configurable(app: FastAPI, device: TestClient, world: World) -> None:
    app.state.settings = app.state.settings.model_copy(update={"ingest_max_past_s": 600})
    r = device.post("/api/v1/ingest", json=[state("old", ts=stamp(3600)), state("new")])
    assert r.json()["accepted"] == 1
    assert "more than 600 s ago" in r.json()["rejected"][0]["reason"]


def test_duplicate_ids_in_one_batch_are_stored_once(
    device: TestClient, db: Session, world: World
) -> None:
    r = device.post("/api/v1/ingest", json=[count("twice", good=3), count("twice", good=5)])
    assert r.status_code == 200
    assert (r.json()["accepted"], r.json()["duplicates"]) == (1, 1)
    db.rollback()
    assert db.scalar(select(func.sum(CountEvent.good))) in (3, 5)


def test_a_resent_batch_does_not_double_its_quarantine_rows(
    device: TestClient, db: Session, world: World
) -> None:
    """A broker redelivers an unacknowledged message and a client resends after a
    timeout: its refused events keep one row each; identical refusals inside one message
    keep one row apiece."""
    bad = state("bad", ts="1970-01-01T00:00:00Z")
    body = [bad, bad, telemetry("nan", temp=float("nan")), state("fine")]
    payload = json.dumps(body)  # NaN as JSON's NaN literal, as a device would send it
    for _ in range(2):
        r = device.post(
            "/api/v1/ingest", content=payload, headers={"content-type": "application/json"}
        )
        assert r.status_code == 200 and len(r.json()["rejected"]) == 3
    db.rollback()
    fields = sorted(q.field or "" for q in db.scalars(select(QuarantinedEvent)))
    assert fields == ["signals.temp", "ts", "ts"]
    # Another message with the same refused event is another delivery, kept.
    device.post("/api/v1/ingest", json=[bad])
    db.rollback()
    assert db.scalar(select(func.count()).select_from(QuarantinedEvent)) == 4


def test_a_body_of_too_many_items_is_refused_whole(
    device: TestClient, db: Session, world: World
) -> None:
    # 400 KB of zeros would otherwise be 200,000 rejects and as many quarantine rows.
    for body, content_type in (
        ("[" + "0," * 200_000 + "0]", "application/json"),
        ("0\n" * 200_000, "application/x-ndjson"),
        ("[" + "0," * 200_000 + "[" * 1000 + "]" * 1000 + "]", "application/json"),
    ):
        r = device.post("/api/v1/ingest", content=body, headers={"content-type": content_type})
        assert r.status_code == 200
        assert r.json()["accepted"] == 0
        rejected = r.json()["rejected"]
        assert len(rejected) == 1 and rejected[0]["field"] == "body"
        assert "more than 100000 events" in rejected[0]["reason"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(QuarantinedEvent)) == 3


def test_mqtt_quarantines_hostile_events_by_field_and_keeps_their_neighbours(
    settings: Settings, engine: Engine, db: Session, world: World
) -> None:
    """MQTT shares the decoder: the same refusals, and the message is acknowledged."""
    import uuid

    import paho.mqtt.client as paho

    from linewise.server.app import create_app
    from tests.services import MQTT_HOST, MQTT_PORT, missing, port_open, wait_until

    if not port_open(MQTT_HOST, MQTT_PORT):
        missing(f"Mosquitto at {MQTT_HOST}:{MQTT_PORT}")
    cfg = settings.model_copy(
        update={
            "mqtt_url": f"mqtt://{MQTT_HOST}:{MQTT_PORT}",
            "mqtt_client_id": f"lw-test-{uuid.uuid4().hex[:8]}",
            "mqtt_share_group": f"g{uuid.uuid4().hex[:6]}",
        }
    )
    app = create_app(cfg, engine=engine)
    topic = f"linewise/v1/P1/SMT-1/{MACHINE}/telemetry"
    message = json.dumps(
        [
            {"id": "ok-1", "ts": stamp(), "signals": {"t": 1.5}},
            {"id": "nan", "ts": stamp(), "signals": {"t": float("nan")}},
            {"id": "epoch", "ts": "1970-01-01T00:00:00Z", "signals": {"t": 1.0}},
            {"id": "unix", "ts": 1_780_000_000, "signals": {"t": 1.0}},
            {"id": "ok-2", "ts": stamp(), "signals": {"t": 2.5}},
        ]
    )
    with TestClient(app) as client:
        import asyncio

        client.portal.call(asyncio.wait_for, app.state.mqtt.connected.wait(), 10)
        pub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
        pub.connect(MQTT_HOST, MQTT_PORT)
        pub.loop_start()
        try:
            pub.publish(topic, message, qos=1).wait_for_publish(10)

            def quarantined() -> int:
                db.rollback()
                return int(db.scalar(select(func.count()).select_from(QuarantinedEvent)) or 0)

            wait_until(lambda: quarantined() >= 3, timeout=20, what="3 quarantined events")
        finally:
            pub.loop_stop()
            pub.disconnect()
    db.rollback()
    from linewise.ingest.models import TelemetrySample

    assert sorted(db.scalars(select(TelemetrySample.event_id))) == ["ok-1", "ok-2"]
    reasons = {q.field: q.reason for q in db.scalars(select(QuarantinedEvent))}
    assert set(reasons) == {"signals.t", "ts"} and "finite" in reasons["signals.t"]
    rows = list(db.scalars(select(QuarantinedEvent)))
    # One row per refused event although QoS 1 may deliver the message twice. The rows'
    # digests and times say which delivery a surplus row came from.
    assert sorted(q.field or "" for q in rows) == ["signals.t", "ts", "ts"], [
        (q.field, q.source, (q.digest or "")[:12], q.received_at.isoformat(), q.payload[:60])
        for q in rows
    ]


def test_a_body_over_the_limit_is_problem_json_naming_the_setting(
    app: FastAPI, device: TestClient, world: World
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"ingest_max_bytes": 1024})

    def chunks() -> Iterator[bytes]:
        yield b"["
        for i in range(100):
            yield json.dumps(count(f"c{i}")).encode() + b","
        yield json.dumps(count("last")).encode() + b"]"

    for r in (
        device.post("/api/v1/ingest", json=[count(f"c{i}") for i in range(100)]),
        device.post("/api/v1/ingest", content=chunks()),  # chunked: no Content-Length
    ):
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "LINEWISE_INGEST_MAX_BYTES" in r.json()["detail"]
        assert r.json()["errors"][0]["field"] == "body"


# A real server: memory and the event loop are what is measured.


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory so far, in bytes (VmHWM)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def server(settings: Settings, device_token: str) -> Iterator[tuple[Server, str]]:
    srv = Server(settings.database_url, free_port())
    srv.env["LINEWISE_INGEST_MAX_BYTES"] = str(2 * 1024 * 1024)
    srv.env["LINEWISE_KPI_REFRESH_S"] = "0"
    # The body test measures the server's peak memory: the assistant's model, loaded in
    # the background at start (about 90 MB), would be counted as the body's cost.
    srv.env["LINEWISE_ASSISTANT_WARM_UP"] = "false"
    srv.start()
    yield srv, device_token
    srv.stop()


def _request_head(token: str, extra: str) -> bytes:
    return (
        "POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


@pytest.mark.slow
def test_big_bodies_are_refused_while_they_arrive(server: tuple[Server, str]) -> None:
    srv, token = server
    assert srv.proc is not None
    # A declared length over the limit: 413 at once, without waiting for a byte of body.
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(_request_head(token, f"Content-Length: {200 * 1024 * 1024}\r\n"))
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # A chunked body of 64 MiB against a limit of 2 MiB: the server reads about the limit.
    before = _peak_rss(srv.proc.pid)
    chunk = b"[" + b" " * (1024 * 1024 - 2) + b"\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(_request_head(token, "Transfer-Encoding: chunked\r\n"))
        try:
            for _ in range(64):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(65536)
        except OSError:  # refused and closed while we were still sending: as intended
            answer = b""
    grown = _peak_rss(srv.proc.pid) - before
    assert sent < 64 * len(chunk) or answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert grown < 24 * 1024 * 1024, f"a refused 64 MiB body cost {grown / 2**20:.0f} MiB"
    assert httpx.get(f"{srv.base}/api/v1/health", timeout=1).status_code == 200


@pytest.mark.slow
def test_health_answers_within_a_second_while_a_large_batch_is_ingested(
    server: tuple[Server, str],
) -> None:
    srv, token = server
    srv.stop()  # again with the default body limit: 100,000 events are about 12 MB
    del srv.env["LINEWISE_INGEST_MAX_BYTES"]
    srv.start()
    now = datetime.now(UTC)
    events = [
        {
            "id": f"b{i}",
            "ts": (now - timedelta(seconds=i)).isoformat(),
            "machine": MACHINE,
            "type": "count",
            "good": 1,
        }
        for i in range(100_000)
    ]
    # One bad event among them: each is then decoded on its own, the slowest path.
    events[-1]["good"] = "lots"
    body = json.dumps(events).encode()
    sent = threading.Event()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 1 << 20):
            yield body[i : i + (1 << 20)]
        sent.set()  # the whole batch is on its way: the server is about to decode it

    result: dict[str, Any] = {}

    def ingest() -> None:
        with httpx.Client(timeout=300) as http:
            r = http.post(
                f"{srv.base}/api/v1/ingest",
                content=chunks(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            result["status"], result["body"] = r.status_code, r.json()

    sender = threading.Thread(target=ingest, daemon=True)
    sender.start()
    assert sent.wait(60)
    latencies: list[float] = []
    with httpx.Client(base_url=srv.base, timeout=10) as http:
        while sender.is_alive():
            started = time.perf_counter()
            assert http.get("/api/v1/health").status_code == 200
            latencies.append(time.perf_counter() - started)
    sender.join()
    assert result["status"] == 200
    assert result["body"]["accepted"] == 99_999
    assert [r["field"] for r in result["body"]["rejected"]] == ["good"]
    assert len(latencies) >= 3, "the batch was done before /health was asked"
    assert max(latencies) < 1.0, f"/health took up to {max(latencies):.2f} s"
