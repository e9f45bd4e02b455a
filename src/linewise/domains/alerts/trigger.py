"""Event-driven evaluation: a machine's state change enqueues the evaluator at once, so
an alert fires (or resolves) on the event rather than at the next minute's sweep.

The bus callback only sets a flag; the jobs module's ``EventTrigger`` thread enqueues
one evaluation for all changes seen since the last one (a burst of events costs one
evaluation, not one each).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from linewise.core.events import MachineChanges
from linewise.core.time import utcnow
from linewise.domains.alerts.service import EVALUATE_KIND
from linewise.jobs import queue
from linewise.jobs.event_trigger import EventTrigger


def enqueue_evaluation(db: Session) -> None:
    # Keyed by the millisecond: concurrent processes do not pile up copies.
    key = f"alerts-evaluate:event:{utcnow().isoformat(timespec='milliseconds')}"
    queue.enqueue(db, EVALUATE_KIND, {}, idempotency_key=key)


class AlertTrigger(EventTrigger):
    def __init__(
        self, factory: sessionmaker[Session], wake: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__(factory, enqueue_evaluation, "alerts", wake=wake)

    def on_changes(self, event: MachineChanges) -> None:
        if event.state_machines or event.count_machines:
            self.want()

    def on_spc_violation(self, _event: object) -> None:
        """A reading broke a run rule (quality): evaluate now, not at the next sweep."""
        self.want()
