"""MQTT ingest against a real Mosquitto: topics, acknowledgement after commit, shared
subscriptions, bad payloads, a broker restart in the middle of ingest, a resumed
session's first messages, and a real server killed with SIGKILL and a broker restart
with the default settings."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import getpass
import json
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.ingest.models import QuarantinedEvent, StateEvent, TelemetrySample
from linewise.ingest.mqtt import MqttIngest, MqttSettings
from linewise.server.app import create_app
from tests.conftest import World
from tests.integration.ingest.conftest import state, ts
from tests.servers import Server
from tests.services import MQTT_HOST, MQTT_PORT, free_port, missing, port_open, wait_until

TOPIC = "linewise/v1/P1/SMT-1/SMT-1-PNP1/{kind}"


@pytest.fixture
def broker() -> tuple[str, int]:
    if not port_open(MQTT_HOST, MQTT_PORT):
        missing(f"Mosquitto at {MQTT_HOST}:{MQTT_PORT}")
    return MQTT_HOST, MQTT_PORT


def _app(settings: Settings, engine: Engine, host: str, port: int, group: str) -> FastAPI:
    cfg = settings.model_copy(
        update={
            "mqtt_url": f"mqtt://{host}:{port}",
            "mqtt_client_id": f"lw-test-{uuid.uuid4().hex[:8]}",
            "mqtt_share_group": group,
        }
    )
    return create_app(cfg, engine=engine)


def _connected(client: TestClient, app: FastAPI) -> None:
    import asyncio

    client.portal.call(asyncio.wait_for, app.state.mqtt.connected.wait(), 10)  # type: ignore[union-attr]


def _publisher(host: str, port: int) -> paho.Client:
    pub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    pub.connect(host, port)
    pub.loop_start()
    return pub


def _count(db: Session, model: Any) -> int:
    db.rollback()  # a fresh snapshot
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_events_arrive_from_topics_and_bad_ones_are_quarantined(
    settings: Settings, engine: Engine, db: Session, world: World, broker: tuple[str, int]
) -> None:
    host, port = broker
    app = _app(settings, engine, host, port, f"g{uuid.uuid4().hex[:6]}")
    with TestClient(app) as client:
        _connected(client, app)
        pub = _publisher(host, port)
        try:
            # machine and type come from the topic; one event or an array per message
            one = {"id": "m1", "ts": ts(0), "state": "producing"}
            many = [{"id": f"m{i}", "ts": ts(i), "state": "down" if i % 2 else "idle"}
                    for i in range(2, 6)]  # fmt: skip
            tele = {"id": "t1", "ts": ts(3), "signals": {"temperature_c": 41.5}}
            for topic, payload in [
                (TOPIC.format(kind="state"), json.dumps(one)),
                (TOPIC.format(kind="state"), json.dumps(many)),
                (TOPIC.format(kind="telemetry"), json.dumps(tele)),
                (TOPIC.format(kind="state"), "{broken"),
                ("linewise/v1/P1/SMT-1/NOPE-1/state", json.dumps({**one, "id": "x"})),
                ("linewise/v1/P1/SMT-1/SMT-1-PNP1/gossip", json.dumps(one)),
            ]:
                pub.publish(topic, payload, qos=1).wait_for_publish(5)
            wait_until(lambda: _count(db, QuarantinedEvent) == 3, what="3 quarantined")
            wait_until(lambda: _count(db, StateEvent) == 5, what="5 state events")
            assert _count(db, TelemetrySample) == 1
            reasons = sorted(db.scalars(select(QuarantinedEvent.field)))
            assert reasons == ["body", "machine", "topic"]
        finally:
            pub.loop_stop()
            pub.disconnect()


def test_shared_subscription_splits_the_load_exactly_once(
    settings: Settings, engine: Engine, db: Session, world: World, broker: tuple[str, int]
) -> None:
    host, port = broker
    group = f"g{uuid.uuid4().hex[:6]}"
    a = _app(settings, engine, host, port, group)
    b = _app(settings, engine, host, port, group)
    with TestClient(a) as ca, TestClient(b) as cb:
        _connected(ca, a)
        _connected(cb, b)
        pub = _publisher(host, port)
        try:
            for i in range(200):
                event = {"id": f"s{i}", "ts": ts(i), "state": ("producing", "idle")[i % 2]}
                pub.publish(TOPIC.format(kind="state"), json.dumps(event), qos=1)
            wait_until(lambda: _count(db, StateEvent) == 200, timeout=30, what="200 events")
            # A message is counted just after its commit, which the database shows first.
            handled = lambda: a.state.mqtt.messages + b.state.mqtt.messages  # noqa: E731
            wait_until(lambda: handled() >= 200, timeout=10, what="200 messages counted")
        finally:
            pub.loop_stop()
            pub.disconnect()
        # The group splits the stream: each member takes a part, neither takes it all (a
        # plain subscription would hand all 200 to both). QoS 1 is at-least-once, so the
        # broker may hand a message over again (a publisher's DUP resend); storage is
        # what must be exactly once, and it is, by event id.
        assert 0 < a.state.mqtt.messages < 200 and 0 < b.state.mqtt.messages < 200
        assert 200 <= handled() < 220
        assert _count(db, StateEvent) == 200


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A Mosquitto of this test's own (with persistence), so it can be restarted."""
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
        f"persistence_location {tmp_path}/\n"
        # The settings docs/ingest.md asks for: without them Mosquitto itself drops what
        # it queued for a consumer beyond 1,000 messages (and still PUBACKs the device).
        "max_queued_messages 0\nmax_inflight_messages 1000\n"
        # Run as us: started as root, mosquitto would switch to its own user, which
        # cannot write the persistence file here, and a restart would forget sessions.
        f"user {getpass.getuser()}\n"
    )
    proc: dict[str, Any] = {"port": port, "conf": conf}

    def start() -> None:
        proc["p"] = subprocess.Popen(
            [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)],
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open("127.0.0.1", port), what="mosquitto to listen")

    def stop() -> None:
        proc["p"].terminate()
        proc["p"].wait(10)

    proc["start"], proc["stop"] = start, stop
    try:
        start()
    except FileNotFoundError:
        missing("the mosquitto binary")
    yield proc
    if proc["p"].poll() is None:
        stop()


def test_broker_restart_loses_nothing_acknowledged(
    settings: Settings, engine: Engine, db: Session, world: World, own_broker: dict[str, Any]
) -> None:
    port = own_broker["port"]
    app = _app(settings, engine, "127.0.0.1", port, "")  # plain subscription
    acked: set[str] = set()
    with TestClient(app) as client:
        _connected(client, app)
        pub = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id="restart-pub", clean_session=False
        )
        pub.reconnect_delay_set(0.1, 1)
        pub.connect("127.0.0.1", port)
        pub.loop_start()
        restarted = threading.Event()
        try:
            for i in range(300):
                if i == 100:
                    own_broker["stop"]()
                    own_broker["start"]()
                    restarted.set()
                    wait_until(pub.is_connected, what="the publisher to reconnect")
                event = state(f"r{i}", i, ("producing", "idle")[i % 2])
                del event["machine"], event["type"]
                info = pub.publish(TOPIC.format(kind="state"), json.dumps(event), qos=1)
                try:
                    info.wait_for_publish(5)
                except (RuntimeError, ValueError):
                    continue  # not acknowledged by the broker: no promise was made
                if info.is_published():
                    acked.add(event["id"])
            assert restarted.is_set()
            assert len(acked) >= 250

            def all_stored() -> bool:
                db.rollback()
                return acked <= set(db.scalars(select(StateEvent.event_id)))

            try:
                wait_until(all_stored, timeout=30, what="every acknowledged event stored")
            except AssertionError as exc:
                missing_ids = acked - set(db.scalars(select(StateEvent.event_id)))
                raise AssertionError(
                    f"{len(missing_ids)} lost: {sorted(missing_ids)[:20]}"
                ) from exc
        finally:
            pub.loop_stop()
            pub.disconnect()
    stored = list(db.scalars(select(StateEvent.event_id)))
    assert len(stored) == len(set(stored))  # exactly once


def test_the_same_count_twice_in_one_message_moves_the_order_once(
    settings: Settings, engine: Engine, db: Session, world: World, broker: tuple[str, int]
) -> None:
    from linewise.domains.production.models import OrderOperation
    from linewise.domains.production.service import create_order
    from linewise.ingest.models import CountEvent

    order = create_order(
        db,
        {"number": "PO-MQ", "product_id": world.product_id, "quantity": 100,
         "due_date": datetime(2099, 1, 1, tzinfo=UTC)},
    )  # fmt: skip
    order.status = "released"
    db.commit()
    op_id = order.operations[0].id

    def good() -> int:
        db.rollback()
        return int(db.scalar(select(OrderOperation.good_qty).where(OrderOperation.id == op_id)))

    host, port = broker
    app = _app(settings, engine, host, port, f"g{uuid.uuid4().hex[:6]}")
    with TestClient(app) as client:
        _connected(client, app)
        pub = _publisher(host, port)
        try:
            twice = {"id": "q1", "ts": ts(0), "good": 7, "order": "PO-MQ", "operation": 1}
            message = json.dumps([twice, twice])
            pub.publish(TOPIC.format(kind="count"), message, qos=1).wait_for_publish(5)
            wait_until(lambda: _count(db, CountEvent) == 1, what="the count stored")
            assert good() == 7  # was 14: progress summed per row of the message
            # The message again, then a new count: once that is in, the resend was seen.
            pub.publish(TOPIC.format(kind="count"), message, qos=1).wait_for_publish(5)
            after = json.dumps({**twice, "id": "q2", "ts": ts(1), "good": 1})
            pub.publish(TOPIC.format(kind="count"), after, qos=1).wait_for_publish(5)
            wait_until(lambda: _count(db, CountEvent) == 2, what="the second count stored")
            assert good() == 8
        finally:
            pub.loop_stop()
            pub.disconnect()


class _StuckRecorder:
    """A recorder whose database never answers: nothing it is given may be acknowledged."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(
        self, events: list[Any], rejects: list[Any], source: str, delivery: str | None = None
    ) -> Any:
        self.submitted.extend(e.id for e in events)
        return concurrent.futures.Future()  # never done


def test_resumed_session_acknowledges_nothing_before_it_is_stored(
    own_broker: dict[str, Any],
) -> None:
    """A resumed session's queued messages follow the CONNACK at once; none of them may be
    acknowledged before the recorder has stored it (the first one used to be)."""
    port, n = own_broker["port"], 10
    settings = MqttSettings("127.0.0.1", port, None, None, False, f"probe-{uuid.uuid4().hex[:8]}",
                            None)  # fmt: skip

    async def consume(recorder: _StuckRecorder, until: Any) -> None:
        ingest = MqttIngest(settings, recorder, timedelta(minutes=5))  # type: ignore[arg-type]
        task = asyncio.create_task(ingest.run())
        await asyncio.wait_for(ingest.connected.wait(), 10)
        deadline = asyncio.get_running_loop().time() + 10
        while not until(recorder) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        task.cancel()  # disconnects; the session and what it holds stay at the broker
        for t in [task, *ingest._tasks]:
            t.cancel()
        await asyncio.gather(task, *ingest._tasks, return_exceptions=True)

    asyncio.run(consume(_StuckRecorder(), lambda r: True))  # the session and its subscription
    pub = _publisher("127.0.0.1", port)
    try:
        for i in range(n):
            event = {"id": f"q{i}", "ts": ts(i), "state": "idle"}
            pub.publish(TOPIC.format(kind="state"), json.dumps(event), qos=1).wait_for_publish(5)
    finally:
        pub.loop_stop()
        pub.disconnect()
    stuck = _StuckRecorder()
    asyncio.run(consume(stuck, lambda r: len(r.submitted) == n))
    assert sorted(stuck.submitted) == sorted(f"q{i}" for i in range(n))

    # The session resumed once more by a plain client: all n must still be held for it.
    redelivered: set[str] = set()
    got_all = threading.Event()

    def on_message(client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        redelivered.add(json.loads(message.payload)["id"])
        if len(redelivered) == n:
            got_all.set()

    sub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=settings.client_id,
                      clean_session=False)  # fmt: skip
    sub.on_message = on_message
    sub.connect("127.0.0.1", port)
    sub.loop_start()
    try:
        got_all.wait(5)
    finally:
        sub.loop_stop()
        sub.disconnect()
    assert redelivered == {f"q{i}" for i in range(n)}, (
        f"acknowledged unstored: {n - len(redelivered)}"
    )


class _PacedPublisher(threading.Thread):
    """A device: state events at QoS 1 at a steady rate until stopped, over a persistent
    session that rides out broker restarts; remembers which the broker acknowledged."""

    def __init__(self, port: int, rate: float) -> None:
        super().__init__(daemon=True)  # a failing test must not leave pytest waiting
        self.rate = rate
        self.sent: dict[int, str] = {}  # message id -> event id
        self.stop = threading.Event()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:8]}",
            clean_session=False,
        )  # fmt: skip
        self.client.reconnect_delay_set(0.05, 0.5)
        self.client.max_queued_messages_set(0)  # unbounded while the broker is away
        self.acked_mids: list[int] = []  # appended from paho's thread; fewer than 65,536
        self.client.on_publish = lambda c, u, mid, rc, p: self.acked_mids.append(mid)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def run(self) -> None:
        start = time.monotonic()
        i = 0
        while not self.stop.is_set():
            event = {"id": f"d{i}", "ts": ts(i), "state": ("producing", "idle", "down")[i % 3]}
            # While the broker is away paho keeps the message and sends it on reconnecting.
            info = self.client.publish(TOPIC.format(kind="state"), json.dumps(event), qos=1)
            self.sent[info.mid] = event["id"]
            i += 1
            time.sleep(max(0.0, start + i / self.rate - time.monotonic()))  # the pace

    def acknowledged(self) -> set[str]:
        """The events the broker PUBACKed: those it promised to deliver."""
        return {self.sent[mid] for mid in list(self.acked_mids)}

    def wait_for(self, more: int) -> None:
        target = len(self.sent) + more
        wait_until(lambda: len(self.sent) >= target, timeout=30, what=f"{more} more events")

    def close(self) -> None:
        self.stop.set()
        self.join(10)
        self.client.loop_stop()
        self.client.disconnect()


@pytest.mark.slow
def test_kill_9_and_broker_restart_lose_nothing_acknowledged_with_defaults(
    settings: Settings, db: Session, world: World, own_broker: dict[str, Any]
) -> None:
    """A real `linewise serve` with the default MQTT settings, fed by a device at a steady
    100 events/s: killed with SIGKILL mid-stream and started again, then the broker
    restarted.
    Every event the broker acknowledged to the device is stored, and none twice."""
    port = own_broker["port"]
    srv = Server(settings.database_url, free_port())
    for name in [k for k in srv.env if k.startswith("LINEWISE_MQTT_")]:
        del srv.env[name]  # the defaults, whatever the environment says
    srv.env["LINEWISE_MQTT_URL"] = f"mqtt://127.0.0.1:{port}"
    srv.start()

    def stored() -> set[str]:
        db.rollback()  # a fresh snapshot
        return set(db.scalars(select(StateEvent.event_id)))

    # Until Linewise has subscribed once there is no session to queue for: wait for it.
    warmup = _publisher("127.0.0.1", port)
    try:
        for k in range(100):
            event = {"id": f"w{k}", "ts": ts(-1), "state": "idle"}
            warmup.publish(TOPIC.format(kind="state"), json.dumps(event), qos=1).wait_for_publish(5)
            with contextlib.suppress(AssertionError):
                wait_until(lambda: any(e.startswith("w") for e in stored()), timeout=0.5)
                break
        else:
            raise AssertionError("Linewise never subscribed")
    finally:
        warmup.loop_stop()
        warmup.disconnect()

    device = _PacedPublisher(port, rate=100)
    device.start()
    try:
        device.wait_for(200)
        srv.kill()  # mid-stream
        srv.start()
        device.wait_for(200)  # the restarted process is consuming again
        own_broker["stop"]()
        own_broker["start"]()
        device.wait_for(200)  # and devices publish again before Linewise resubscribes
    finally:
        device.stop.set()
        device.join(10)
    try:
        wait_until(lambda: len(device.acknowledged()) == len(device.sent), timeout=15,
                   what="the broker to acknowledge every event")  # fmt: skip
        acked = device.acknowledged()
        assert len(acked) >= 600

        def missing_ids() -> set[str]:
            return acked - stored()

        try:
            # Generous: a busy machine slows the server, not what it must end up storing.
            wait_until(lambda: not missing_ids(), timeout=120, what="acknowledged events stored")
        except AssertionError as exc:
            lost = missing_ids()
            raise AssertionError(
                f"{len(lost)} of {len(acked)} acknowledged events lost: {sorted(lost)[:10]}"
            ) from exc
        rows = db.scalar(select(func.count()).select_from(StateEvent))
        assert rows == len(stored())  # each exactly once
    finally:
        device.close()
        try:
            srv.stop()
        except subprocess.TimeoutExpired:
            srv.kill()  # still busy storing: never leave it running


def test_reconnect_back_off_is_short_and_starts_again_after_a_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the broker is away each second of waiting can cost data (a shared
    subscription on a broker that forgets it), so the back-off tops out at 2 s, and a
    connection that worked starts it again from the bottom (it used to stay at 10 s)."""
    import aiomqtt

    from linewise.ingest import mqtt

    settings = MqttSettings("127.0.0.1", 1, None, None, False, "backoff", None)
    ingest = MqttIngest(settings, _StuckRecorder(), timedelta(minutes=5))  # type: ignore[arg-type]
    script = iter([False] * 6 + [True, False, False])  # True: connected, then lost
    waits: list[float] = []

    async def session() -> None:
        if next(script):
            ingest.sessions += 1
        raise aiomqtt.MqttError("gone")

    async def sleep(delay: float) -> None:
        waits.append(delay)
        if len(waits) == 9:
            raise asyncio.CancelledError

    monkeypatch.setattr(ingest, "_session", session)
    monkeypatch.setattr(mqtt.asyncio, "sleep", sleep)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(ingest.run())
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 0.1, 0.2, 0.4]
