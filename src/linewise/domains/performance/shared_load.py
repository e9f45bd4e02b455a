"""One database read for requests that ask for the same window at the same moment.

The KPI page's default view sends four requests at once that all read today's
intervals and counts of the same machines: the figures of today, the exact edge of
this week's figures, the hourly trend and the Pareto's edge. Each read is a few
hundred milliseconds of the two cores. Here the first request reads and the ones that
arrive while it reads wait for its result instead of reading again.

Only requests *in flight together* share: nothing is kept once the read is done, so a
request that starts after new events were stored always reads them (no staleness, no
invalidation to get wrong). The shared ``Loaded`` is read-only for its users.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from linewise.domains.performance.loader import Calendars, Loaded, load
from linewise.domains.performance.repository import MachineRow
from linewise.kpi import TimeWindow

Key = tuple[tuple[int, ...], datetime, datetime]


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    result: Loaded | None = None


_flights: dict[Key, _Flight] = {}
_lock = threading.Lock()


def load_shared(
    db: Session,
    machines: list[MachineRow],
    calendars: Calendars,
    window: TimeWindow,
    now: datetime,
    *,
    read: Callable[[Session, list[MachineRow], Calendars, TimeWindow, datetime], Loaded] = load,
) -> Loaded:
    """``load(...)``, or the result of the same read another request is doing now.

    The key is the machines and the window: the calendars follow from the machines, and
    ``now`` only ends the open intervals, where a waiter taking the reader's ``now`` (a
    few milliseconds earlier) is as if it had arrived that much earlier.
    """
    key: Key = (tuple(m.id for m in machines), window.start, window.end)
    with _lock:
        flight = _flights.get(key)
        leader = flight is None
        if flight is None:
            flight = _flights[key] = _Flight()
    if not leader:
        flight.done.wait()
        if flight.result is not None:
            return flight.result
        return read(db, machines, calendars, window, now)  # the reader failed: read alone
    try:
        flight.result = read(db, machines, calendars, window, now)
        return flight.result
    finally:
        with _lock:
            del _flights[key]
        flight.done.set()
