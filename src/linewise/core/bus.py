"""A small in-process publish/subscribe bus for typed change notices.

Publishers (the recorder thread, request handlers) call ``publish``; subscribers are
plain callables and must not block: the live hub's subscriber only hands the notice to
its event loop. Across processes, the PostgreSQL bridge (ingest/notify.py) republishes
what other processes announced, so subscribers see every process's changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("linewise.bus")


@dataclass(frozen=True)
class MachineChanges:
    """Which machines and order operations changed in one committed write."""

    state_machines: frozenset[int] = frozenset()
    count_machines: frozenset[int] = frozenset()
    operations: frozenset[int] = frozenset()
    origin: str = ""

    def __bool__(self) -> bool:
        return bool(self.state_machines or self.count_machines or self.operations)


Subscriber = Callable[[MachineChanges], None]


@dataclass
class Bus:
    _subscribers: list[Subscriber] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, changes: MachineChanges) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(changes)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("bus subscriber failed")
