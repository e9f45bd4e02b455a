"""Keep the KPI day rollups filled ahead of queries, so no query is the cold one.

Without it the first long-window question after a start, an import or a late batch of
events fills the missing machine-days itself (a minute for a year of a large site). The
server runs it as the periodic job ``kpi-refresh`` of the job queue (``refresh_job``,
registered in server/jobs.py); ``linewise kpi refresh`` does one pass by hand (after an
import, before a demo).

It works while ingest is quiet: a pass waits until no new events arrived during one
interval, so a burst of back-filled events is rolled up once, after it, not day by day
while it lands. A plant that never goes quiet still gets a pass every ``MAX_DEFER``
intervals; live events touch only today, which is never stored, so that pass is cheap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Site
from linewise.domains.performance import repository as repo
from linewise.domains.performance import rollups
from linewise.domains.performance.loader import load_calendars
from linewise.ingest.models import CountEvent, StateEvent, StateInterval
from linewise.jobs import JobContext
from linewise.kpi import site_date_of

log = logging.getLogger(__name__)
MAX_DEFER = 10  # intervals a pass may wait for ingest to go quiet
MAX_DAYS = 400  # the longest window a KPI query may ask for
# Machines filled per transaction. On SQLite every transaction holds the write lock from
# its start, so a pass works in small steps and ingest gets its turn between them.
GROUP = 8


@dataclass(frozen=True)
class SiteRefresh:
    site: str
    machines: int
    first_day: date | None
    filled: int  # machine-days computed and stored by this pass


def _first_day(db: Session, machine_ids: list[int], tz: str, now: datetime) -> date | None:
    """The site-local day of the site's earliest interval, at most ``MAX_DAYS`` back."""
    earliest = db.scalar(
        select(func.min(StateInterval.start)).where(StateInterval.machine_id.in_(machine_ids))
    )
    if earliest is None:
        return None
    return max(site_date_of(tz, earliest), site_date_of(tz, now) - timedelta(days=MAX_DAYS))


def refresh_sites(
    db: Session,
    now: datetime,
    *,
    site_codes: list[str] | None = None,
    days: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> list[SiteRefresh]:
    """One pass over every site (or the named ones): every closed machine-day stored.

    ``days`` limits the pass to the last so many days; by default it reaches back to each
    site's first data. Commits as it goes (chunks of days), so an interrupted pass keeps
    what it did; ``stop`` is asked between groups of machines.
    """
    stmt = select(Site.id, Site.code).order_by(Site.id)
    if site_codes:
        stmt = stmt.where(Site.code.in_(site_codes))
    out = []
    for site_id, code in db.execute(stmt).all():
        if stop():
            break
        machines = repo.machines(db, site_id=site_id)
        calendars = load_calendars(db, site_id)
        if not machines:
            out.append(SiteRefresh(code, 0, None, 0))
            continue
        if days is not None:
            first: date | None = site_date_of(calendars.timezone, now) - timedelta(days=days)
        else:
            first = _first_day(db, [m.id for m in machines], calendars.timezone, now)
        filled = 0
        for i in range(0, len(machines), GROUP):
            if first is None or stop():
                break
            filled += rollups.refresh(db, machines[i : i + GROUP], calendars, first, now)
            db.commit()
        out.append(SiteRefresh(code, len(machines), first, filled))
    return out


def _activity(db: Session) -> tuple[int | None, int | None]:
    """The newest event ids: unchanged between two looks means ingest was quiet."""
    return (db.scalar(select(func.max(StateEvent.id))), db.scalar(select(func.max(CountEvent.id))))


class Refresher:
    """The background loop's state; ``tick`` is one look (testable without waiting)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._seen: tuple[int | None, int | None] | None = None
        self._deferred = 0
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True

    def tick(self, now: datetime | None = None) -> list[SiteRefresh] | None:
        """A pass if ingest was quiet since the last tick (or waited too long), else None."""
        with self._factory() as db:
            seen = _activity(db)
            busy = self._seen is not None and seen != self._seen
            first = self._seen is None
            self._seen = seen
            if (busy or first) and self._deferred < MAX_DEFER:
                self._deferred += 1
                return None
            self._deferred = 0
            return refresh_sites(db, now or utcnow(), stop=lambda: self._stopping)


KIND = "performance.kpi_refresh"


def refresh_job(factory: sessionmaker[Session]) -> Callable[[JobContext], None]:
    """The job handler of the periodic refresh: one ``tick`` of a refresher kept for this
    worker process (a pass when ingest was quiet since the previous run). It commits as
    it goes (register it with ``own_transaction=True``); a pass is idempotent."""
    refresher = Refresher(factory)

    def run(_ctx: JobContext) -> None:
        for site in refresher.tick() or []:
            if site.filled:
                log.info("KPI rollups: %s machine-days filled on %s", site.filled, site.site)

    return run


async def run_refresher(factory: sessionmaker[Session], interval_s: float) -> None:
    """Tick every ``interval_s`` in a worker thread until cancelled; errors are logged.

    A loop of its own, for embedding without the job queue; the server uses the
    periodic job instead."""
    refresher = Refresher(factory)
    try:
        while True:
            await asyncio.sleep(interval_s)
            try:
                done = await asyncio.to_thread(refresher.tick)
            except Exception:  # a failed pass must not end the loop: the next one retries
                log.exception("KPI rollup refresh failed")
                continue
            for site in done or []:
                if site.filled:
                    log.info("KPI rollups: %s machine-days filled on %s", site.filled, site.site)
    finally:
        refresher.stop()
