"""The on-disk buffer: what was appended survives a crash, what was acked is gone, ids are
never reused, and a full buffer sheds telemetry but never counts or states."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from linewise.edge.buffer import Buffer


def ev(kind: str, n: int = 0, machine: str = "SMT-1-PNP1") -> dict[str, Any]:
    extra: dict[str, Any] = {
        "state": {"state": "producing"},
        "count": {"good": n, "reject": 0},
        "telemetry": {"signals": {"t": float(n)}},
    }[kind]
    return {"ts": "2026-11-23T07:00:00.000Z", "machine": machine, "type": kind, **extra}


def test_appended_events_survive_reopening_and_acked_ones_are_gone(tmp_path: Path) -> None:
    path = tmp_path / "edge" / "buffer.db"
    first = Buffer(path, agent="edge1")
    first.append([ev("state"), ev("count", 3), ev("telemetry", 7)], {"SMT-1-PNP1.good": 42})
    ids = [s.body["id"] for s in first.peek(10)]
    # no close(): a crashed process never closes; what was committed must be on disk
    reopened = Buffer(path, agent="edge1")
    stored = reopened.peek(10)
    assert [s.body["id"] for s in stored] == ids
    assert [s.kind for s in stored] == ["state", "count", "telemetry"]
    assert stored[1].body["good"] == 3
    assert reopened.state() == {"SMT-1-PNP1.good": 42}

    reopened.ack([stored[0].seq, stored[1].seq])
    reopened.close()
    first.close()
    again = Buffer(path, agent="edge1")
    assert [s.body["id"] for s in again.peek(10)] == ids[2:]
    assert len(again) == 1

    # the sequence goes on after a restart: a new event never reuses an acked id
    again.append([ev("count", 1)])
    newest = again.peek(10)[-1].body["id"]
    assert newest not in ids
    assert again.last_seq == 4
    assert newest.startswith("edge1-SMT-1-PNP1-") and newest.endswith("-4")
    again.close()


def test_ids_stay_within_the_servers_limit(tmp_path: Path) -> None:
    buffer = Buffer(tmp_path / "b.db", agent="edge1")
    buffer.append([ev("state", machine="M" * 60)])
    assert len(buffer.peek(1)[0].body["id"]) <= 80
    buffer.close()


def test_full_buffer_refuses_telemetry_first_never_counts_or_states(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = Buffer(tmp_path / "b.db", agent="edge1", max_events=10)
    buffer.append([ev("telemetry", i) for i in range(8)] + [ev("count", 1), ev("state")])
    assert len(buffer) == 10
    with caplog.at_level(logging.WARNING, logger="linewise.edge.buffer"):
        result = buffer.append([ev("telemetry", 99), ev("count", 2), ev("state")])
    assert (result.stored, result.refused, result.evicted) == (2, 1, 2)
    assert "buffer FULL" in caplog.text
    kinds = [s.kind for s in buffer.peek(100)]
    assert kinds.count("count") == 2 and kinds.count("state") == 2
    assert len(buffer) == 10

    # with no telemetry left to shed, counts and states are still kept (over the limit)
    buffer.append([ev("count", i) for i in range(10)])
    kinds = [s.kind for s in buffer.peek(100)]
    assert (kinds.count("count"), kinds.count("state"), kinds.count("telemetry")) == (12, 2, 0)
    assert len(buffer) == 14

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="linewise.edge.buffer"):
        buffer.ack([s.seq for s in buffer.peek(100)])
    buffer.append([ev("telemetry", 1)])
    assert len(buffer) == 1
    assert "room again" in caplog.text
    assert not buffer.full
    buffer.close()
