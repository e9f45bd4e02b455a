"""Keep the demo factory alive: the simulator feeds the server's own recorder.

The demo runs the simulator inside the server process and hands its events to the same
recorder that HTTP and MQTT ingest use, so the demo needs no broker and no API key. It
first fast-forwards over the last hours (so the KPI pages have a history), then
follows the wall clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import select

from linewise.core.time import utcnow
from linewise.demo.factory import build_factory
from linewise.domains.equipment.models import Site
from linewise.ingest.events import decode
from linewise.ingest.recorder import Overloaded, Recorder
from linewise.kpi.calendar import local_to_utc, site_date_of, site_day
from linewise.simulation.engine import Simulation
from linewise.simulation.spec import FactorySpec

log = logging.getLogger("linewise.demo")
CHUNK = 5000


async def _submit(recorder: Recorder, events: list[dict[str, object]]) -> int:
    accepted = 0
    for i in range(0, len(events), CHUNK):
        decoded, rejects = decode(list(events[i : i + CHUNK]), max_future=timedelta(minutes=5))
        while True:
            try:
                future = recorder.submit(decoded, rejects, "demo:simulator")
                break
            except Overloaded as exc:
                await asyncio.sleep(exc.retry_after)
        result = await asyncio.wrap_future(future)
        accepted += result.accepted
    return accepted


def last_shift_start(spec: FactorySpec, now: datetime) -> datetime | None:
    """The start of the latest shift that began before ``now`` (within a week)."""
    zone = ZoneInfo(spec.timezone)
    today = site_date_of(spec.timezone, now)
    starts = [
        local_to_utc(zone, day, clock_time.fromisoformat(shift.start))
        for day in (today - timedelta(days=back) for back in range(8))
        for shift in spec.shifts
        if day.weekday() in shift.weekdays
    ]
    return max((s for s in starts if s <= now), default=None)


def demo_anchor(app: FastAPI) -> datetime | None:
    """When the demo factory was loaded: the spec is rebuilt from that instant."""
    with app.state.session_factory() as db:
        site = db.scalars(select(Site).where(Site.code == "PLANT-1")).first()
        return site.created_at if site else None


async def run_live_feed(
    app: FastAPI,
    *,
    backfill: timedelta = timedelta(hours=8),
    speed: float = 1.0,
    seed: int = 1,
    orders: int = 40,
    factory_seed: int = 7,
) -> None:
    """Run until cancelled: backfill fast, then follow the wall clock at ``speed``."""
    anchor = demo_anchor(app)
    if anchor is None:
        log.warning("no demo factory in the database: the live feed does not start")
        return
    recorder: Recorder = app.state.recorder
    now = utcnow()
    spec = build_factory(anchor, orders=orders, seed=factory_seed)
    # At least the whole site-local day so far: "today" on the KPI page then has data
    # for every planned hour instead of an unknown morning.
    midnight = site_day(spec.timezone, site_date_of(spec.timezone, now)).start
    # On a weekend or before the first shift the day so far holds no production; the
    # last shift worked is then replayed too, so the demo never opens on an empty plant.
    start = min(now - backfill, midnight, last_shift_start(spec, now) or midnight)
    backfill = now - start
    sim = Simulation(spec, start, backfill + timedelta(days=14), seed=seed)
    began = time.monotonic()
    history = sim.run_until(now)
    sent = await _submit(recorder, history)
    log.info(
        "demo feed: %d events of the last %s replayed in %.1f s; now live",
        sent,
        backfill,
        time.monotonic() - began,
    )
    wall0 = time.monotonic()
    while not sim.finished:
        target = now + timedelta(seconds=(time.monotonic() - wall0) * speed)
        events = sim.run_until(target)
        if events:
            await _submit(recorder, events)
        await asyncio.sleep(0.5)
