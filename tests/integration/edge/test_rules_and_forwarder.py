"""Rules without a PLC (counter wrap and reset, state rules, deadbands) and the
forwarder's answers to an unreachable, overloaded or refusing server."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from linewise.cli.edge import edge
from linewise.edge.buffer import Buffer
from linewise.edge.config import BackoffConfig, parse_config
from linewise.edge.forwarder import Forwarder
from linewise.edge.rules import Rules, counter_delta

T = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_counter_delta_handles_wrap_and_reset() -> None:
    assert counter_delta(10, 15, None) == 5
    assert counter_delta(65530, 4, 65536) == 10  # wrapped
    assert counter_delta(830, 4, 65536) == 4  # reset: no wrap from the lower half
    assert counter_delta(830, 4, None) == 4  # reset without a known width


def rules_for(machine: dict[str, Any]) -> Rules:
    config = parse_config(
        {
            "agent": "e",
            "server": {"url": "http://x", "device_key": "k"},
            "buffer": {"path": "b.db"},
            "sources": [
                {
                    "kind": "modbus",
                    "name": "p",
                    "host": "h",
                    "points": {n: {"address": i} for i, n in enumerate("abcd")},
                }
            ],
            "machines": {"M1": machine},
        }
    )
    return Rules(config)


def test_states_from_running_and_fault_and_from_a_mode_map() -> None:
    rules = rules_for({"state": {"running": "p.a", "fault": "p.b", "faults": {7: "jam"}}})
    seen = [rules.apply(v, T)[0] for v in ({"p.a": 0, "p.b": 0}, {"p.a": 1}, {"p.a": 1},
                                           {"p.b": 7}, {"p.b": 0})]  # fmt: skip
    assert [[(e["state"], e.get("fault"), e.get("reason")) for e in evs] for evs in seen] == [
        [("idle", None, None)],
        [("producing", None, None)],
        [],  # no change, no event
        [("down", "7", "jam")],
        [("producing", None, None)],
    ]
    rules = rules_for({"state": {"value": "p.a", "map": {1: "producing", 2: "setup"}}})
    assert rules.apply({"p.a": 2}, T)[0][0]["state"] == "setup"
    assert rules.apply({"p.a": 9}, T)[0][0]["state"] == "idle"  # the default


def test_counter_baseline_is_remembered_and_increments_are_sent() -> None:
    rules = rules_for({"counter": {"good": "p.a", "reject": "p.b", "rollover": 65536}})
    events, memory = rules.apply({"p.a": 100, "p.b": 3}, T)
    assert events == [] and memory == {"M1.good": 100, "M1.reject": 3}
    events, memory = rules.apply({"p.a": 104, "p.b": 3}, T)
    assert [(e["good"], e["reject"]) for e in events] == [(4, 0)]
    assert memory == {"M1.good": 104}
    # a restarted agent starts from the remembered baseline: parts made meanwhile count
    again = rules_for({"counter": {"good": "p.a", "rollover": 65536}})
    again.memory.update({"M1.good": 104})
    assert again.apply({"p.a": 110}, T)[0][0]["good"] == 6


def test_telemetry_deadband_and_units() -> None:
    rules = rules_for({"telemetry": [{"point": "p.a", "signal": "t", "unit": "°C",
                                      "deadband": 0.5}]})  # fmt: skip
    first = rules.apply({"p.a": 20.0}, T)[0]
    assert first[0]["signals"] == {"t": 20.0} and first[0]["units"] == {"t": "°C"}
    assert rules.apply({"p.a": 20.4}, T)[0] == []
    assert rules.apply({"p.a": 20.6}, T)[0][0]["signals"] == {"t": 20.6}
    assert first[0]["ts"] == "2026-11-23T07:00:00.000Z"


def forwarder(tmp_path: Path, answers: list[Any], seen: list[Any]) -> Forwarder:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    buffer = Buffer(tmp_path / "b.db", agent="e")
    buffer.append([{"ts": "2026-11-23T07:00:00Z", "machine": "M", "type": "state",
                    "state": s} for s in ("idle", "producing")])  # fmt: skip
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    backoff = BackoffConfig(initial_s=0.01, max_s=0.05)
    return Forwarder(buffer, url="http://x", device_key="k", backoff=backoff, client=client)


def test_forwarder_keeps_events_until_the_server_commits_them(tmp_path: Path) -> None:
    ok = httpx.Response(200, json={"accepted": 2, "duplicates": 0, "rejected": []})
    answers: list[Any] = [
        httpx.ConnectError("refused"),
        httpx.Response(503, headers={"Retry-After": "2"}),
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(500),
        httpx.Response(401),
        ok,
    ]
    seen: list[Any] = []
    fwd = forwarder(tmp_path, answers, seen)

    async def go() -> list[float | None]:
        return [await fwd.send_once() for _ in range(7)]

    delays = asyncio.run(go())
    assert delays[0] is not None and 0 < delays[0] <= 0.05  # bounded back-off
    assert delays[1] == 2.0 and delays[2] == 1.0  # Retry-After honoured
    assert delays[3] is not None and delays[3] <= 0.05
    assert delays[4] is not None and delays[4] >= 0.03  # bad key: slowest pace
    assert delays[5:] == [0.0, None]  # delivered, then nothing left
    assert len(fwd.buffer) == 0
    assert all(body == seen[0] for body in seen)  # the same batch, same ids, same order
    assert [e["state"] for e in seen[0]] == ["idle", "producing"]


def test_cli_check_reports_errors_with_their_path(tmp_path: Path) -> None:
    good = tmp_path / "edge.yaml"
    good.write_text(
        "agent: e\nserver: {url: 'http://x', device_key_env: EDGE_TEST_KEY}\n"
        "buffer: {path: b.db}\nsources:\n"
        "  - {kind: modbus, name: p, host: h, points: {a: {address: 0}}}\n"
        "machines: {M1: {counter: {good: p.a}}}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(edge, ["--config", str(good), "--check"], env={"EDGE_TEST_KEY": "k"})
    assert result.exit_code == 0, result.output
    assert "ok (1 sources, 1 machines)" in result.output
    result = runner.invoke(edge, ["--config", str(good), "--check"], env={"EDGE_TEST_KEY": ""})
    assert result.exit_code == 1
    assert "server.device_key_env: $EDGE_TEST_KEY is not set" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("p.a", "p.b"), encoding="utf-8")
    result = runner.invoke(edge, ["--config", str(bad), "--check"], env={"EDGE_TEST_KEY": "k"})
    assert "machines.M1.counter.good: unknown point 'p.b'" in result.output


@pytest.mark.parametrize("value", ["soon", None])
def test_unparseable_retry_after_falls_back_to_backoff(value: str | None) -> None:
    from linewise.edge.forwarder import _retry_after

    assert _retry_after(value) == 0.0
