"""Events of the operator terminal, published after commit."""

from __future__ import annotations

from dataclasses import dataclass

from linewise.core.events import DomainEvent, domain_event


@domain_event("terminal.andon_changed")
@dataclass(frozen=True)
class AndonChanged(DomainEvent):
    """An andon call was raised or acknowledged; the floor shows it at once."""

    call_id: int
    line_id: int
    area_id: int
    kind: str
    acknowledged: bool
