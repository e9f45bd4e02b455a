"""Fan-out between ``linewise serve`` processes through PostgreSQL LISTEN/NOTIFY.

The recorder NOTIFYs inside its transaction (so the notice is sent only if the write
commits) with the ids of what changed; every process LISTENs and republishes other
processes' notices on its own bus, so a WebSocket client of process B sees an event
ingested by process A.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence

from sqlalchemy import Engine

from linewise.core.bus import Bus, MachineChanges
from linewise.ingest.store import WriteResult

log = logging.getLogger("linewise.notify")
CHANNEL = "linewise_live"
MAX_PAYLOAD = 7900  # PostgreSQL's limit is 8000 bytes


def notify_payload(results: Sequence[WriteResult], origin: str) -> str | None:
    states = sorted({m for r in results for m in r.state_machines})
    counts = sorted({m for r in results for m in r.count_machines})
    ops = sorted({o for r in results for o in r.operations})
    if not (states or counts or ops):
        return None
    payload = json.dumps({"o": origin, "s": states, "c": counts, "p": ops})
    if len(payload) > MAX_PAYLOAD:
        # Too much to list: say "everything changed"; listeners then refresh all.
        payload = json.dumps({"o": origin, "all": True})
    return payload


def parse_payload(payload: str) -> MachineChanges | None:
    try:
        data = json.loads(payload)
    except json.JSONDecodeError:
        return None
    if data.get("all"):
        return MachineChanges(origin=str(data.get("o", "")), state_machines=frozenset({-1}))
    return MachineChanges(
        frozenset(int(i) for i in data.get("s", [])),
        frozenset(int(i) for i in data.get("c", [])),
        frozenset(int(i) for i in data.get("p", [])),
        str(data.get("o", "")),
    )


class NotifyListener:
    """A thread holding one LISTEN connection; reconnects when the connection drops."""

    def __init__(self, engine: Engine, bus: Bus, own_origin: str) -> None:
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self.bus = bus
        self.own_origin = own_origin
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
                            changes = parse_payload(note.payload)
                            if changes is not None and changes.origin != self.own_origin:
                                self.bus.publish(changes)
            except Exception:
                log.warning("LISTEN connection lost; reconnecting", exc_info=True)
                self._stop.wait(1.0)
