"""Requests in flight together share one read of the same window; later ones read anew."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from linewise.domains.performance import shared_load
from linewise.kpi import TimeWindow

START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
WINDOW = TimeWindow(START, START + timedelta(hours=8))


@dataclass(frozen=True)
class Machine:
    id: int


def _ask(machines: list[int], window: TimeWindow, read: Any) -> Any:
    rows: Any = [Machine(i) for i in machines]
    return shared_load.load_shared(None, rows, None, window, START, read=read)


class SlowRead:
    """A read that blocks until released, counting how often it ran."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, db: Any, machines: Any, calendars: Any, window: Any, now: Any) -> Any:
        self.calls += 1
        self.started.set()
        assert self.release.wait(10)
        return object()


def test_requests_in_flight_together_share_one_read() -> None:
    read = SlowRead()
    results: list[Any] = []

    def ask() -> None:
        results.append(_ask([1, 2], WINDOW, read))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    threads[0].start()
    assert read.started.wait(10)
    (flight,) = shared_load._flights.values()
    for t in threads[1:]:
        t.start()
    # Release only once the three are waiting on the first read (Event's own waiters).
    deadline = time.monotonic() + 10
    while len(flight.done._cond._waiters) < 3:
        assert time.monotonic() < deadline, "the requests never waited on the read"
        time.sleep(0.001)
    read.release.set()
    for t in threads:
        t.join(10)
    assert read.calls == 1
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert shared_load._flights == {}


def test_a_request_after_the_read_reads_again_and_other_windows_never_share() -> None:
    read = SlowRead()
    read.release.set()
    a = _ask([1], WINDOW, read)
    b = _ask([1], WINDOW, read)
    c = _ask([1], TimeWindow(START, START + timedelta(hours=9)), read)
    d = _ask([2], WINDOW, read)
    assert read.calls == 4
    assert len({id(x) for x in (a, b, c, d)}) == 4


def test_a_failed_read_fails_its_request_and_leaves_no_flight_behind() -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        _ask([1], WINDOW, broken)
    assert shared_load._flights == {}
