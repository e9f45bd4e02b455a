"""Feeding a simulation to sinks as fast as possible or at a multiple of real time.

At ``speed`` N one wall second advances N simulated seconds; the pacer pulls what the
engine has settled up to that moment, so events leave at (about) their simulated time.
The clock and sleep are injectable so that tests can pace without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from linewise.simulation.engine import Simulation
from linewise.simulation.events import Event
from linewise.simulation.senders import Sink, Sleep
from linewise.simulation.timefmt import from_ms


@dataclass(frozen=True, slots=True)
class Progress:
    simulated: datetime
    events: int
    wall_s: float
    finished: bool

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s if self.wall_s > 0 else 0.0


async def _deliver(events: list[Event], sinks: Sequence[Sink], batch: int) -> None:
    for i in range(0, len(events), batch):
        chunk = events[i : i + batch]
        for sink in sinks:
            await sink.send(chunk)


async def pump(
    sim: Simulation,
    sinks: Sequence[Sink],
    *,
    speed: float = 0.0,
    batch_size: int = 500,
    slice_fast: timedelta = timedelta(minutes=30),
    tick_s: float = 0.25,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every_s: float = 1.0,
) -> Progress:
    """Run ``sim`` to its end, sending every event to every sink; ``speed`` 0 = no pacing."""
    if speed < 0:
        raise ValueError("speed must be 0 (as fast as possible) or positive")
    began = clock()
    last_report = began
    sent = 0
    fast_ms = slice_fast // timedelta(milliseconds=1)
    while not sim.finished:
        if speed == 0:
            target = sim.now_ms + fast_ms
        else:
            target = sim.start_ms + int((clock() - began) * speed * 1000)
        events = sim.run_until(target)
        await _deliver(events, sinks, batch_size)
        sent += len(events)
        now = clock()
        if on_progress is not None and now - last_report >= progress_every_s:
            last_report = now
            on_progress(Progress(from_ms(sim.now_ms), sent, now - began, False))
        if speed > 0 and not sim.finished:
            await sleep(tick_s)
    done = Progress(from_ms(sim.now_ms), sent, clock() - began, True)
    if on_progress is not None:
        on_progress(done)
    return done
