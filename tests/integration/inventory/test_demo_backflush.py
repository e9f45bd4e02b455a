"""Running the demo moves stock the way its counts say: the live feed's counts consume
the BOM from the store (opening stock booked through the ledger) and receive finished
goods, and stock stays the sum of the ledger."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.bus import MachineChanges
from linewise.demo.factory import build_factory
from linewise.demo.live_feed import run_live_feed
from linewise.demo.load import load_factory
from linewise.domains.inventory.models import (
    MovementKind,
    StockItem,
    StockLevel,
    StockMovement,
    StockOnHand,
)
from linewise.ingest.models import CountEvent


def test_the_demo_feed_backflushes_its_counts(app: FastAPI, db: Session) -> None:
    load_factory(db, build_factory(), with_users=False)
    db.commit()
    opening = {r.material_id: r.quantity for r in db.scalars(select(StockLevel))}

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def on_change(changes: MachineChanges) -> None:
            if changes.count_machines:
                loop.call_soon_threadsafe(changed.set)

        app.state.bus.subscribe(on_change)
        app.state.recorder.start()
        # Three days of the past at once: whatever the time of day and week, they hold
        # worked shifts (the last eight hours alone hold none on a weekday morning before
        # the early shift has made anything, and the test would wait in vain).
        feed = asyncio.create_task(
            run_live_feed(app, backfill=timedelta(days=3), speed=60.0, catch_up=timedelta(0))
        )
        try:
            await asyncio.wait_for(changed.wait(), 60)
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
            app.state.recorder.stop()

    asyncio.run(scenario())
    db.rollback()
    assert db.scalar(select(func.count()).select_from(CountEvent)) > 0
    backflushed = db.scalars(
        select(StockMovement).where(StockMovement.kind == MovementKind.BACKFLUSH)
    ).all()
    assert backflushed, "the demo's counts consumed nothing"
    assert {m.cause for m in backflushed} == {"count"}
    # The planner's figure went down by exactly what was backflushed.
    items = {i.id: i.material_id for i in db.scalars(select(StockItem))}
    used: dict[int, float] = defaultdict(float)
    for m in backflushed:
        used[items[m.item_id] or 0] += m.qty
    levels = {r.material_id: r.quantity for r in db.scalars(select(StockLevel))}
    for material_id, qty in used.items():
        assert levels[material_id] == pytest.approx(opening.get(material_id, 0.0) - qty)
    # Stock on hand is the sum of the ledger.
    sums: dict[tuple[int, int, str], float] = defaultdict(float)
    for m in db.scalars(select(StockMovement)):
        if m.from_location_id is not None:
            sums[(m.item_id, m.from_location_id, m.lot)] -= m.qty
        if m.to_location_id is not None:
            sums[(m.item_id, m.to_location_id, m.lot)] += m.qty
    for row in db.scalars(select(StockOnHand)):
        assert row.qty == pytest.approx(sums[(row.item_id, row.location_id, row.lot)])
