"""The in-process bus: typed domain events, delivered to subscribers by type.

Publishers are the unit of work's after-commit hook (core/events.py) and the recorder
thread; subscribers are plain callables and must not block: the live hub's subscriber
only hands the event to its event loop. Across processes, the PostgreSQL bridge
(ingest/notify.py) republishes what other processes announced, so subscribers see every
process's changes. ``origin`` tells this bus's own notices from the others'.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from linewise.core.events import DomainEvent, MachineChanges

log = logging.getLogger("linewise.bus")

__all__ = ["Bus", "DomainEvent", "MachineChanges"]

E = TypeVar("E", bound=DomainEvent)
Subscriber = Callable[[Any], None]


@dataclass
class Bus:
    origin: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _subscribers: list[tuple[type[DomainEvent], Subscriber]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(
        self,
        callback: Callable[[E], None],
        # The default keeps the recorder's subscribers (live floor, re-planner) short.
        event_type: type[E] = MachineChanges,  # type: ignore[assignment]
    ) -> Callable[[], None]:
        """Call ``callback`` with every published event of ``event_type`` (or a subclass).

        ``DomainEvent`` subscribes to everything. Returns the unsubscribe function.
        """
        entry: tuple[type[DomainEvent], Subscriber] = (event_type, callback)
        with self._lock:
            self._subscribers.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._subscribers:
                    self._subscribers.remove(entry)

        return unsubscribe

    def publish(self, event: DomainEvent) -> None:
        with self._lock:
            subscribers = [cb for kind, cb in self._subscribers if isinstance(event, kind)]
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("bus subscriber failed on %s", type(event).__name__)
