"""Keep the demo factory alive: the simulator feeds the server's own recorder.

The demo runs the simulator inside the server process and hands its events to the same
recorder that HTTP and MQTT ingest use, so the demo needs no broker and no API key. It
first fast-forwards over the last hours (so the KPI pages have a history), then
follows the wall clock.

Events are stamped with the simulation's time, which never runs ahead of the wall
clock: the ingest refuses events more than five minutes in the future, and a factory
stamped ahead of time would show cycle times and OEE it never had. ``speed`` above 1
therefore compresses only the past: the feed replays all but the last stretch of it at
once, plays that stretch at ``speed`` until it reaches the wall clock, then follows the
clock one second per second. Where the database already has machine data (the weeks of
history ``linewise demo`` simulates before serving, or an earlier run of the feed), it
continues after the last stored event instead of simulating those hours a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from linewise.core.time import utcnow
from linewise.demo.factory import build_factory
from linewise.demo.load import AROUND_THE_CLOCK_CALENDAR
from linewise.demo.quality import inspection_streams
from linewise.domains.equipment.models import Line, Site
from linewise.domains.people.models import ShiftCalendar
from linewise.domains.production.models import (
    OperationStatus,
    OrderStatus,
    ProductionOrder,
)
from linewise.ingest.events import decode
from linewise.ingest.models import CountEvent, StateEvent
from linewise.ingest.recorder import Overloaded, Recorder
from linewise.kpi.calendar import local_to_utc, site_date_of, site_day
from linewise.simulation.engine import Simulation
from linewise.simulation.events import Event
from linewise.simulation.inspections import InspectionSource
from linewise.simulation.spec import FactorySpec, OperationProgress, OrderSpec

log = logging.getLogger("linewise.demo")
CHUNK = 5000
MAX_GAP = timedelta(days=7)  # the longest pause since the last run that the feed fills
REPLAY_STEP = timedelta(hours=6)
# How long (on the wall clock) a feed faster than real time is seen catching up: at
# speed N it holds back (N - 1) times this much of the past, as much as it replays.
CATCH_UP = timedelta(minutes=10)
# The test machines' fixtures wear in episodes on a fixed grid: from every sixth hour
# (UTC) on, the supply voltage creeps up for two hours, then it is back at nominal. Any
# eight hours of the feed hold a whole episode, which breaks Nelson's rules (in spec).
DRIFT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DRIFT_CYCLE = timedelta(hours=6)
DRIFT_LENGTH = timedelta(hours=2)
DRIFT_PER_UNIT = 0.005  # volts per unit tested (one every 5 minutes): 4 sigma after 2 h


def held_back(speed: float, replayed: timedelta, catch_up: timedelta = CATCH_UP) -> timedelta:
    """How much of the last ``replayed`` stretch of the past is played at ``speed``
    rather than at once: at speed N a stretch W reaches the wall clock after W / (N - 1)."""
    if speed <= 1:
        return timedelta(0)
    return min(replayed, catch_up * (speed - 1))


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


def live_inspections(spec: FactorySpec, start: datetime, seed: int) -> list[InspectionSource]:
    """The test machines' results from ``start`` on, the same stream as the history's
    but drifting in episodes; serials carry the start, so that they are new units."""
    streams = inspection_streams(
        spec,
        drift_from=DRIFT_EPOCH,
        drift_cycle=DRIFT_CYCLE,
        drift_length=DRIFT_LENGTH,
        drift_per_unit=DRIFT_PER_UNIT,
        serial_prefix=f"{start:%y%m%d%H%M}-",
    )
    return [InspectionSource(s, start, seed=seed) for s in streams]


def _until(sim: Simulation, tests: list[InspectionSource], until: datetime) -> list[Event]:
    """The simulator's events and the test machines' results before ``until``, in time
    order (a stable sort: the simulator's order within one instant is kept)."""
    events: list[Event] = sim.run_until(until)
    for source in tests:
        events.extend(source.run_until(until))
    return sorted(events, key=lambda e: e["ts"])


def _with_prefix(events: list[Event], prefix: str) -> list[Event]:
    for event in events:
        event["id"] = prefix + event["id"]
    return events


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


def feed_start(
    spec: FactorySpec, now: datetime, backfill: timedelta, stored: datetime | None
) -> datetime:
    """Where the feed's simulation starts, given the newest event already ``stored``."""
    # At least the whole site-local day so far: "today" on the KPI page then has data
    # for every planned hour instead of an unknown morning.
    midnight = site_day(spec.timezone, site_date_of(spec.timezone, now)).start
    # On a weekend or before the first shift the day so far holds no production; the
    # last shift worked is then replayed too, so the demo never opens on an empty plant.
    start = min(now - backfill, midnight, last_shift_start(spec, now) or midnight)
    if stored is None:
        return start
    # The feed carries on right after the newest stored event: hours already stored are
    # not simulated again (two runs over the same hours would put two histories on the
    # same machines), and a demo started again days later fills the days it was off
    # (up to MAX_GAP), so that its trends have no hole.
    return min(now, max(stored + timedelta(milliseconds=1), now - MAX_GAP))


def demo_anchor(app: FastAPI) -> datetime | None:
    """When the demo factory was loaded: the spec is rebuilt from that instant."""
    with app.state.session_factory() as db:
        site = db.scalars(select(Site).where(Site.code == "PLANT-1")).first()
        return site.created_at if site else None


def works_around_the_clock(app: FastAPI) -> bool:
    """Whether the loaded demo has the around-the-clock calendar: the feed simulates the
    shifts that the KPIs count as planned time (an older demo database has two)."""
    with app.state.session_factory() as db:
        found = db.scalar(
            select(ShiftCalendar.id).where(ShiftCalendar.code == AROUND_THE_CLOCK_CALENDAR)
        )
        return found is not None


_SIMULATED = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS)
_STAGES = (OperationStatus.IN_PROGRESS, OperationStatus.COMPLETED)


def open_orders(app: FastAPI, products: set[str]) -> tuple[OrderSpec, ...]:
    """The open orders of demo ``products`` as the database has them now, for the
    simulator to work on.

    Read from the database rather than rebuilt from the demo seed, so that the feed
    carries on where production stands: the orders the simulated history left running
    stay on their lines, and a restarted server does not make the same units again.
    Orders on hold wait for a person and are left out, and so are orders of products
    someone added (the simulator knows the demo's routings only).
    """
    with app.state.session_factory() as db:
        lines: dict[int, str] = {id_: code for id_, code in db.execute(select(Line.id, Line.code))}
        query = (
            select(ProductionOrder)
            .where(ProductionOrder.status.in_(_SIMULATED))
            .options(
                selectinload(ProductionOrder.operations),
                selectinload(ProductionOrder.product),
                selectinload(ProductionOrder.customer_order),
            )
            .order_by(ProductionOrder.number)
        )
        out = []
        for order in db.scalars(query):
            ops = order.operations
            if order.product.code not in products or any(
                op.status not in (*_STAGES, OperationStatus.PENDING) for op in ops
            ):
                continue
            progress = {
                op.seq: OperationProgress(
                    op.status,
                    good=op.good_qty,
                    scrap=op.scrap_qty,
                    rework=op.rework_qty,
                    line=lines.get(op.line_id) if op.line_id is not None else None,
                )
                for op in ops
                if op.status in _STAGES
            }
            out.append(
                OrderSpec(
                    number=order.number,
                    customer_order=order.customer_order.number if order.customer_order else "",
                    product=order.product.code,
                    quantity=order.quantity,
                    release=order.release_date or order.due_date,
                    due=order.due_date,
                    priority=order.priority,
                    status=order.status,
                    progress=progress,
                )
            )
        return tuple(out)


def last_stored_event(app: FastAPI) -> datetime | None:
    """The newest machine state or count in the database."""
    with app.state.session_factory() as db:
        stamps = [db.scalar(select(func.max(model.ts))) for model in (StateEvent, CountEvent)]
    return max((t for t in stamps if t is not None), default=None)


async def run_live_feed(
    app: FastAPI,
    *,
    backfill: timedelta = timedelta(hours=8),
    speed: float = 1.0,
    seed: int = 1,
    orders: int = 40,
    factory_seed: int = 7,
    catch_up: timedelta = CATCH_UP,
) -> None:
    """Run until cancelled: backfill fast, play the last stretch of the past at ``speed``
    for about ``catch_up`` of wall time, then follow the wall clock."""
    anchor = demo_anchor(app)
    if anchor is None:
        log.warning("no demo factory in the database: the live feed does not start")
        return
    recorder: Recorder = app.state.recorder
    now = utcnow()
    spec = build_factory(
        anchor, orders=orders, seed=factory_seed, around_the_clock=works_around_the_clock(app)
    )
    spec = replace(spec, orders=open_orders(app, {p.code for p in spec.products}))
    start = feed_start(spec, now, backfill, last_stored_event(app))
    backfill = now - start
    sim = Simulation(spec, start, backfill + timedelta(days=14), seed=seed)
    tests = live_inspections(spec, start, seed)
    # Event ids count from one in every run; the start makes them unique across runs
    # (a repeated id would be taken for a resend and dropped).
    id_prefix = f"{start:%y%m%d%H%M%S}{start.microsecond // 1000:03d}-"
    began = time.monotonic()
    sent = 0
    cursor = start
    at_once = now - held_back(speed, backfill, catch_up)
    while cursor < at_once:  # in slices: a week-long pause must not sit in memory at once
        cursor = min(cursor + REPLAY_STEP, at_once)
        sent += await _submit(recorder, _with_prefix(_until(sim, tests, cursor), id_prefix))
    log.info(
        "demo feed: %d events of %s of the past replayed in %.1f s; %s more at %gx, then live",
        sent,
        cursor - start,
        time.monotonic() - began,
        now - cursor,
        speed,
    )
    wall0 = time.monotonic()
    live = cursor >= now
    while not sim.finished:
        # The simulation's clock runs at ``speed`` from where the replay stopped, but
        # never past the wall clock: from there on it follows it.
        wall = utcnow()
        target = min(wall, cursor + timedelta(seconds=(time.monotonic() - wall0) * speed))
        events = _with_prefix(_until(sim, tests, target), id_prefix)
        if events:
            await _submit(recorder, events)
        if not live and target >= wall:
            live = True
            log.info("demo feed: caught up with the wall clock; now live")
        await asyncio.sleep(0.5)
