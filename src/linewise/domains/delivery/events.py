"""Events of delivery analytics, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linewise.core.events import DomainEvent, domain_event


@domain_event("delivery.estimates_refreshed")
@dataclass(frozen=True)
class EstimatesRefreshed(DomainEvent):
    """A ``delivery.refresh`` run stored the estimates of every open order as of
    ``made_at`` (``orders`` rows); readers of ``delivery_estimates`` may reload."""

    made_at: datetime
    orders: int
