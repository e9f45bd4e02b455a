"""Events of performance: a stop given its reason; published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linewise.core.events import DomainEvent, domain_event


@domain_event("performance.downtime_reason_assigned")
@dataclass(frozen=True)
class DowntimeReasonAssigned(DomainEvent):
    machine_id: int
    stop_start: datetime
    reason_code_id: int
    reason: str
    actor: str
