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
