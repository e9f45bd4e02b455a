"""`make demo` keeps the factory alive: the simulator feeds the server's own recorder."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.bus import MachineChanges
from linewise.demo.factory import build_factory
from linewise.demo.live_feed import run_live_feed
from linewise.demo.load import load_factory
from linewise.ingest.models import CountEvent, QuarantinedEvent, StateInterval


def test_live_feed_replays_today_and_keeps_running(app: FastAPI, db: Session) -> None:
    load_factory(db, build_factory(), with_users=False)
    db.commit()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def on_change(changes: MachineChanges) -> None:
            if changes.count_machines:
                loop.call_soon_threadsafe(changed.set)

        app.state.bus.subscribe(on_change)
        app.state.recorder.start()
        feed = asyncio.create_task(run_live_feed(app, speed=60.0))
        try:
            await asyncio.wait_for(changed.wait(), 60)  # the replay has been committed
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
            app.state.recorder.stop()

    asyncio.run(scenario())
    db.rollback()
    assert db.scalar(select(func.count()).select_from(CountEvent)) > 0
    assert db.scalar(select(func.count()).select_from(StateInterval)) > 0
    # The simulator speaks the protocol exactly: nothing it sends is refused.
    assert db.scalar(select(func.count()).select_from(QuarantinedEvent)) == 0
