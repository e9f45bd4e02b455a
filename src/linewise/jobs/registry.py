"""What the workers know: a handler per job kind and the periodic jobs.

A handler is a function of a ``JobContext``. Two styles:

- in the batch's transaction (default): the handler writes through ``ctx.session`` (the
  transaction that also marks the job succeeded), so its database effects and the
  job's completion commit together: exactly once, even when a worker dies or the reaper
  takes a job back. It must not commit, and must do nothing outside the database (a
  failing neighbour in its batch makes the batch run again).
- ``own_transaction=True``: long work that commits as it goes through
  ``ctx.session_factory`` (the KPI rollup refresh). Such work must be idempotent: a
  worker killed after the work but before marking the job done runs it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from linewise.jobs.cron import Cron, parse


class JobContext:
    """One running job: its id, args and attempt, and where to write."""

    def __init__(
        self,
        job_id: int,
        kind: str,
        args: dict[str, Any],
        attempt: int,
        batch: Session | None,
        session_factory: sessionmaker[Session],
        *,
        isolate: bool = True,
        request_id: str | None = None,
    ) -> None:
        self.id = job_id
        self.request_id = request_id  # of the request that enqueued it
        self.kind = kind
        self.args = args
        self.attempt = attempt
        self.session_factory = session_factory
        self._batch = batch
        self._savepoint: SessionTransaction | None = None
        self._isolate = isolate

    @property
    def session(self) -> Session:
        """The batch's session. Its writes commit with the job's completion; if the job
        fails they are rolled back (the worker reruns the batch with a savepoint per
        job), so a handler run in the batch may run again: it writes only through this
        session and does nothing outside the database."""
        if self._batch is None:
            raise RuntimeError(f"job kind {self.kind!r} runs in its own transactions")
        if self._isolate and self._savepoint is None:
            self._savepoint = self._batch.begin_nested()
        return self._batch

    def finish(self, ok: bool) -> None:
        savepoint, self._savepoint = self._savepoint, None
        if savepoint is None:
            return
        if ok:
            savepoint.commit()
        else:
            # Also after a database error inside it (then it is no longer active): the
            # batch's transaction goes on from before this job.
            savepoint.rollback()


Handler = Callable[[JobContext], None]


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Handler
    own_transaction: bool = False


@dataclass(frozen=True)
class Periodic:
    """Enqueue ``kind`` with ``args`` at every fire time of ``cron`` in ``zone``."""

    name: str
    cron: Cron
    kind: str
    zone: str
    args: dict[str, Any] = field(default_factory=dict)


class Registry:
    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = {}
        self.periodic: dict[str, Periodic] = {}

    def register(self, kind: str, handler: Handler, *, own_transaction: bool = False) -> None:
        if kind in self.kinds:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self.kinds[kind] = Kind(kind, handler, own_transaction)

    def every(
        self,
        name: str,
        cron: str,
        kind: str,
        *,
        zone: str = "UTC",
        args: dict[str, Any] | None = None,
    ) -> None:
        """A periodic job (cron in the site's zone); ``kind`` must be registered."""
        if kind not in self.kinds:
            raise ValueError(f"periodic job {name!r}: no handler for kind {kind!r}")
        self.periodic[name] = Periodic(name, parse(cron), kind, zone, dict(args or {}))
