"""Events of alerting, published after commit (the live hub pushes them to browsers)."""

from __future__ import annotations

from dataclasses import dataclass

from linewise.core.events import DomainEvent, domain_event


@domain_event("alerts.alert_changed")
@dataclass(frozen=True)
class AlertChanged(DomainEvent):
    """An alert fired, was acknowledged or resolved; the in-app notification."""

    alert_id: int
    area_id: int | None  # None: site-wide
    state: str
    severity: str
    message: str
