"""Sinks and pacing: the NDJSON file, HTTP retries (mock transport), MQTT on Mosquitto."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import httpx
from click.testing import CliRunner

from linewise.cli.simulate import parse_duration
from linewise.cli.simulate import simulate as simulate_command
from linewise.demo.factory import build_factory
from linewise.simulation import (
    Event,
    Simulation,
    line_of_machine,
    load_ground_truth,
    simulate,
    topic_for,
)
from linewise.simulation.pacing import Progress, pump
from linewise.simulation.senders import HttpSink, MqttSink, NdjsonSink, retry_delay
from linewise.simulation.timefmt import parse_iso
from tests.services import MQTT_HOST, MQTT_PORT, missing, port_open
from tests.unit.simulation.conftest import MONDAY

HOURS = timedelta(hours=10)


def _events(hours: int = 10) -> list[Event]:
    return list(simulate(build_factory(MONDAY), MONDAY, timedelta(hours=hours), seed=2))


def test_ndjson_sink_writes_every_event_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    spec = build_factory(MONDAY)

    async def run() -> None:
        sink = NdjsonSink(path)
        await pump(Simulation(spec, MONDAY, HOURS, seed=2), [sink], batch_size=333)
        await sink.aclose()

    asyncio.run(run())
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == _events()


def test_paced_run_follows_the_clock_and_sends_the_same_events() -> None:
    """Speed 3600: each fake wall second is a simulated hour; no real waiting."""
    spec = build_factory(MONDAY)
    wall = [0.0]
    naps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        naps.append(seconds)
        wall[0] += seconds

    class Collect:
        def __init__(self) -> None:
            self.events: list[Event] = []

        async def send(self, events: Sequence[Event]) -> None:
            reached = MONDAY + timedelta(hours=wall[0])  # never ahead of the paced clock
            assert all(parse_iso(e["ts"]) < reached for e in events)
            self.events.extend(events)

        async def aclose(self) -> None:
            return None

    sink = Collect()
    reports: list[Progress] = []
    done = asyncio.run(
        pump(
            Simulation(spec, MONDAY, HOURS, seed=2),
            [sink],
            speed=3600.0,
            tick_s=0.5,
            clock=lambda: wall[0],
            sleep=fake_sleep,
            on_progress=reports.append,
        )
    )
    assert sink.events == _events()
    assert done.finished and done.events == len(sink.events)
    assert len(naps) == 20  # ten simulated hours in half-hour ticks
    assert reports[-1].finished


def test_http_sink_waits_on_429_and_503_and_resends() -> None:
    seen: list[httpx.Request] = []
    replies = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(503, headers={"Retry-After": "0.5"}),
        httpx.Response(202, json={"accepted": 3}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return replies[len(seen) - 1]

    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            sink = HttpSink("http://mes.test/", "dev-key", client=client, sleep=fake_sleep)
            await sink.send(_events(1)[:3])
            assert sink.sent == 3 and sink.retries == 2

    asyncio.run(run())
    assert waits == [2.0, 0.5]
    assert {str(r.url) for r in seen} == {"http://mes.test/api/v1/ingest"}
    assert all(r.headers["authorization"] == "Bearer dev-key" for r in seen)
    assert len({r.content for r in seen}) == 1  # the same batch each time
    assert len(json.loads(seen[0].content)) == 3


def test_retry_after_accepts_seconds_dates_and_falls_back_to_backoff() -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert retry_delay("7", 0) == 7.0
    assert retry_delay("Mon, 02 Mar 2026 08:00:05 GMT", 0, now) == 5.0
    assert retry_delay(None, 0) == 0.5 and retry_delay("soon", 3) == 4.0
    assert retry_delay(None, 20) == 30.0


def test_mqtt_sink_publishes_to_the_protocol_topics() -> None:
    if not port_open(MQTT_HOST, MQTT_PORT):
        missing(f"Mosquitto at {MQTT_HOST}:{MQTT_PORT}")
    spec = build_factory(MONDAY)
    site = f"SIMTEST-{uuid.uuid4().hex[:8]}"
    line_of = line_of_machine(spec)
    events = _events(1)[:40]
    url = f"mqtt://{MQTT_HOST}:{MQTT_PORT}"

    async def run() -> list[tuple[str, Event]]:
        got: list[tuple[str, Event]] = []
        async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as subscriber:
            await subscriber.subscribe(f"linewise/v1/{site}/#", qos=1)
            async with MqttSink(url, site, line_of) as sink:
                await sink.send(events)
            async with asyncio.timeout(10):
                async for message in subscriber.messages:
                    assert isinstance(message.payload, bytes)
                    payload = json.loads(message.payload)
                    for event in payload if isinstance(payload, list) else [payload]:
                        got.append((str(message.topic), event))
                    if len(got) >= len(events):
                        break
        return got

    received = asyncio.run(run())
    assert sorted(e["id"] for _, e in received) == sorted(e["id"] for e in events)
    for topic, event in received:
        assert topic == topic_for(event, site, line_of)
        assert topic.startswith(f"linewise/v1/{site}/")


def test_cli_writes_events_and_ground_truth(tmp_path: Path) -> None:
    events, truth = tmp_path / "e.ndjson", tmp_path / "t.json"
    result = CliRunner().invoke(
        simulate_command,
        [
            "--start", "2026-03-02T04:00:00Z", "--duration", "4h", "--seed", "2",
            "--ndjson", str(events), "--ground-truth", str(truth),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "done 2026-03-02 08:00Z" in result.output
    assert len(events.read_text().splitlines()) > 1000
    assert load_ground_truth(truth).end == MONDAY + timedelta(hours=8)
    assert parse_duration("1d12h") == timedelta(hours=36)
    assert parse_duration("90m") == timedelta(minutes=90)
