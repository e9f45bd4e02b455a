"""Event-driven evaluation: a machine's state change enqueues the evaluator at once, so
an alert fires (or resolves) on the event rather than at the next minute's sweep.

The bus calls back on the recorder's thread, which must stay short: the callback only
sets a flag, and a thread of its own enqueues one evaluation for all changes seen since
the last one (a burst of events costs one evaluation, not one each).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from linewise.core.events import MachineChanges
from linewise.core.time import utcnow
from linewise.domains.alerts.service import EVALUATE_KIND
from linewise.jobs import queue

log = logging.getLogger("linewise.alerts")


class EventTrigger:
    def __init__(
        self, factory: sessionmaker[Session], wake: Callable[[], None] = lambda: None
    ) -> None:
        self.factory = factory
        self.wake = wake  # the in-process worker: claim the job now (SQLite polls)
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="linewise-alerts", daemon=True)

    def on_changes(self, event: MachineChanges) -> None:
        if event.state_machines or event.count_machines:
            self._wanted.set()

    def on_spc_violation(self, _event: object) -> None:
        """A reading broke a run rule (quality): evaluate now, not at the next sweep."""
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
            if self._stop.is_set():
                return
            self._wanted.clear()
            try:
                with self.factory() as db, db.begin():
                    # Keyed by the millisecond: concurrent processes do not pile up copies.
                    key = f"alerts-evaluate:event:{utcnow().isoformat(timespec='milliseconds')}"
                    queue.enqueue(db, EVALUATE_KIND, {}, idempotency_key=key)
                self.wake()
            except Exception:
                log.warning("could not enqueue an event-driven evaluation", exc_info=True)
