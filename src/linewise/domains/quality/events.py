"""Events of the quality domain, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from linewise.core.events import DomainEvent, domain_event


@domain_event("quality.spc_violation")
@dataclass(frozen=True)
class SpcViolation(DomainEvent):
    """A new reading broke a run rule on a characteristic's control chart."""

    characteristic_id: int
    characteristic: str
    product_id: int
    line_id: int | None
    machine_id: int | None
    rules: tuple[str, ...]
    value: float
    at: datetime


@domain_event("quality.inspection_recorded")
@dataclass(frozen=True)
class InspectionRecorded(DomainEvent):
    inspection_id: int
    product_id: int
    line_id: int | None
    passed: bool
