"""Bursts of in-process events turned into queued jobs, off the publisher's thread.

The bus calls back on the publisher's thread (the recorder's, a request's), which must
stay short: a trigger's callback only sets a flag (``want``). A thread of its own waits
``coalesce_s`` after the first event of a quiet period (0: not at all), so that the rest
of a burst is covered by the same job, then runs ``enqueue`` in a transaction and wakes
the in-process worker (SQLite polls otherwise). A failure to enqueue is logged and the
next event tries again: an event-driven job is a shortcut to what a periodic job does
anyway, never the only way it happens.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("linewise.jobs")


class EventTrigger:
    def __init__(
        self,
        factory: sessionmaker[Session],
        enqueue: Callable[[Session], object],
        name: str,
        coalesce_s: float = 0.0,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.factory = factory
        self.enqueue = enqueue
        self.name = name
        self.coalesce_s = coalesce_s
        self.wake = wake
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"linewise-{name}", daemon=True)

    def want(self) -> None:
        """Ask for a job soon (cheap; safe on any thread)."""
        self._wanted.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wanted.wait()
            if self._stop.wait(self.coalesce_s) if self.coalesce_s > 0 else self._stop.is_set():
                return
            self._wanted.clear()
            try:
                with self.factory() as db, db.begin():
                    self.enqueue(db)
                self.wake()
            except Exception:
                log.warning("could not enqueue the %s job of an event", self.name, exc_info=True)
