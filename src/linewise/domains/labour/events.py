"""Events of labour, published after commit (the live hub pushes them to every board)."""

from __future__ import annotations

from dataclasses import dataclass

from linewise.core.events import DomainEvent, domain_event


@domain_event("labour.allocation_changed")
@dataclass(frozen=True)
class AllocationChanged(DomainEvent):
    """A new version of a shift's board was saved (an assignment, a move, a rollback)."""

    site_id: int
    shift_key: str
    version: int
    actor: str
