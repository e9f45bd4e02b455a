"""Fan-out of domain events between ``linewise serve`` processes: PostgreSQL LISTEN/NOTIFY.

Every committed event is NOTIFYed inside its own transaction (so the notice is sent only
if the write commits): the unit of work does it for events recorded on a session
(core/events.py), the recorder for its ``MachineChanges``. Every process LISTENs on the
one channel, rebuilds the events of other processes by type and republishes them on its
own bus, so a WebSocket client of process B sees an event ingested or a terminal action
taken in process A.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine

from linewise.core.bus import Bus
from linewise.core.events import CHANNEL, MAX_PAYLOAD, MachineChanges, decode, encode
from linewise.ingest.store import WriteResult

log = logging.getLogger("linewise.notify")
__all__ = ["CHANNEL", "NotifyListener", "notify_payload", "parse_payload"]


def notify_payload(results: Sequence[WriteResult], origin: str) -> str | None:
    """The recorder's notice of one committed write, or None when nothing changed."""
    changes = MachineChanges(
        frozenset(m for r in results for m in r.state_machines),
        frozenset(m for r in results for m in r.count_machines),
        frozenset(o for r in results for o in r.operations),
        origin,
    )
    if not changes:
        return None
    payload = encode(changes, origin)
    if len(payload) > MAX_PAYLOAD:
        # Too much to list: say "everything changed"; listeners then refresh all.
        payload = encode(MachineChanges(state_machines=frozenset({-1}), origin=origin), origin)
    return payload


def parse_payload(payload: str) -> MachineChanges | None:
    """The ``MachineChanges`` in a notice (None for other events or garbage)."""
    found = decode(payload)
    if found is None or not isinstance(found[1], MachineChanges):
        return None
    return found[1]


class NotifyListener:
    """A thread holding one LISTEN connection; reconnects when the connection drops.

    ``own_origins`` are the origins of this process's publishers (its bus, its
    recorder): their notices were already published here, at commit.
    """

    def __init__(self, engine: Engine, bus: Bus, own_origins: Iterable[str]) -> None:
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self.bus = bus
        self.own_origins = frozenset(own_origins)
        self._stop = threading.Event()
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="linewise-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            found = decode(note.payload)
                            if found is not None and found[0] not in self.own_origins:
                                self.bus.publish(found[1])
            except Exception:
                log.warning("LISTEN connection lost; reconnecting", exc_info=True)
                self._stop.wait(1.0)
