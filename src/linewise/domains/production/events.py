"""Events of production: what operators do on the terminal, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linewise.core.events import DomainEvent, domain_event


@dataclass(frozen=True)
class OperationEvent(DomainEvent):
    """Base of the terminal's events: subscribe to it to hear all of them."""

    order_id: int
    operation_id: int
    line_id: int | None
    at: datetime
    actor: str


@domain_event("production.operation_status_changed")
@dataclass(frozen=True)
class OperationStatusChanged(OperationEvent):
    """start | hold | resume | complete of one operation; ``status`` is the new one."""

    action: str
    status: str
    order_status: str


@domain_event("production.quantities_reported")
@dataclass(frozen=True)
class QuantitiesReported(OperationEvent):
    """Good / scrap / rework added to a running operation by a report."""

    good: int
    scrap: int
    rework: int


# An import may touch tens of thousands of orders; NOTIFY carries at most ~8 kB.
LISTED_AT_MOST = 500


@domain_event("production.orders_changed")
@dataclass(frozen=True)
class OrdersChanged(DomainEvent):
    """Orders created, edited (quantity, dates, priority ...) or moved along their state
    machine (released, held, resumed, completed, cancelled) by a planner, or written by an
    import: one event per request or import, not per order.

    ``change``: ``created`` | ``edited`` | ``imported`` | the new status of a transition.
    ``order_ids`` lists them when there are at most ``LISTED_AT_MOST``, else it is empty
    and ``count`` says how many (listeners then treat every order as changed).
    """

    change: str
    order_ids: frozenset[int]
    count: int
