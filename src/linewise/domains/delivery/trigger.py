"""Event-driven refresh: a published plan, a terminal report, machine counts and orders
created, edited, released or cancelled enqueue ``delivery.refresh`` soon after they
commit, so that the stored ETAs follow the floor without waiting for the minute's run.

The forecast is one pass over every open order (each queues behind the others on its
lines), so a change to one order is a refresh of all: what is coalesced is the number of
runs. The bus callback only sets a flag; the jobs module's ``EventTrigger`` thread waits
``coalesce_s`` after the first event of a quiet period, so that a burst of counts costs
one refresh, then enqueues a single job for everything seen, unless one is still
waiting to be claimed (it will read the newest state when it runs).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from linewise.core.events import DomainEvent, MachineChanges
from linewise.core.time import utcnow
from linewise.domains.delivery.service import REFRESH_KIND
from linewise.domains.planning.events import PlanPublished
from linewise.domains.production.events import OperationEvent, OrdersChanged
from linewise.jobs import queue
from linewise.jobs.event_trigger import EventTrigger
from linewise.jobs.models import Job

# What moves an ETA: the plan (order and lines of the stages not started), an operation
# started, held, completed or reported on at a terminal, units counted by machines, and
# the open orders themselves (a new one queues on the lines, a cancelled one leaves them,
# a new quantity or release date moves its own ETA and those behind it).
TRIGGERS: tuple[type[DomainEvent], ...] = (
    PlanPublished,
    OperationEvent,
    MachineChanges,
    OrdersChanged,
)


def moves_estimates(event: DomainEvent) -> bool:
    if isinstance(event, MachineChanges):
        # a state change alone (a minor stop) leaves the units to make as they were
        return bool(event.count_machines or event.operations)
    return isinstance(event, PlanPublished | OperationEvent | OrdersChanged)


def enqueue_refresh(db: Session) -> int | None:
    """One ``delivery.refresh`` job, unless one already waits to be claimed: None then."""
    waiting = db.scalar(
        select(Job.id).where(Job.kind == REFRESH_KIND, Job.state.in_(queue.READY)).limit(1)
    )
    if waiting is not None:
        return None
    # Keyed by the millisecond: two processes hearing the same event do not both add one.
    key = f"delivery-refresh:event:{utcnow().isoformat(timespec='milliseconds')}"
    return queue.enqueue(db, REFRESH_KIND, {}, idempotency_key=key)


class RefreshTrigger(EventTrigger):
    def __init__(
        self,
        factory: sessionmaker[Session],
        coalesce_s: float,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(factory, enqueue_refresh, "delivery", coalesce_s, wake)

    def on_event(self, event: DomainEvent) -> None:
        if moves_estimates(event):
            self.want()
