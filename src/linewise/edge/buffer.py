"""The on-disk store-and-forward buffer: SQLite in WAL mode, one row per event.

Every event is committed here before anything tries to send it, and a row is deleted only
after the server acknowledged it, so a crash, a power cut or a long outage loses nothing
that was observed. The event id sequence and the rules' memory (counter baselines) are
committed in the same transaction as the events they produced: after a restart the agent
neither reuses an id (the server would drop the new event as a duplicate) nor counts the
same parts twice.

The buffer is bounded. When it is full, new telemetry is refused first (and the oldest
buffered telemetry makes room for counts and states), because a lost temperature sample
is a gap in a chart while a lost count or state is a wrong OEE.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("linewise.edge.buffer")
MAX_ID = 80  # the server's limit for an event id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Stored:
    seq: int
    kind: str
    body: dict[str, Any]


@dataclass
class AppendResult:
    stored: int = 0
    refused: int = 0  # new telemetry turned away because the buffer is full
    evicted: int = 0  # old telemetry removed to make room for counts and states


class Buffer:
    """Owned by one agent process; not thread-safe (the agent calls it from its loop)."""

    def __init__(self, path: Path, *, agent: str, max_events: int = 100_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.agent = agent
        self.max_events = max_events
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an acknowledged append survives power loss
        self._db.executescript(_SCHEMA)
        with self._tx():
            epoch = self._meta("epoch")
            if epoch is None:
                # distinguishes ids if the buffer file is ever deleted and the sequence restarts
                self._set_meta("epoch", _base36(int(time.time())))
        self._epoch = self._meta("epoch") or "0"
        self._seq = int(self._meta("seq") or 0)
        self._count = int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])
        self.full = False
        self.refused_total = 0

    # --- writing -------------------------------------------------------------------------

    def append(
        self, events: list[dict[str, Any]], state: dict[str, Any] | None = None
    ) -> AppendResult:
        """Store events (without ids; they get one here) and rule state, atomically."""
        result = AppendResult()
        with self._tx():
            seq = self._seq
            for event in events:
                kind = str(event["type"])
                if self._count >= self.max_events:
                    if kind == "telemetry":
                        result.refused += 1
                        continue
                    result.evicted += self._evict_telemetry(1)
                seq += 1
                body = {"id": self._event_id(str(event["machine"]), seq), **event}
                self._db.execute(
                    "INSERT INTO events (seq, kind, body) VALUES (?, ?, ?)",
                    (seq, kind, json.dumps(body, separators=(",", ":"))),
                )
                self._count += 1
                result.stored += 1
            self._set_meta("seq", str(seq))
            for key, value in (state or {}).items():
                self._set_meta(f"state:{key}", json.dumps(value))
        self._seq = seq
        self._report_fullness(result)
        return result

    def ack(self, seqs: list[int]) -> None:
        """The server committed these: forget them."""
        if not seqs:
            return
        with self._tx():
            cur = self._db.executemany("DELETE FROM events WHERE seq = ?", [(s,) for s in seqs])
            self._count -= max(cur.rowcount, 0)
        self._report_fullness(AppendResult())

    # --- reading -------------------------------------------------------------------------

    def peek(self, limit: int) -> list[Stored]:
        """The oldest events, in the order they were observed."""
        rows = self._db.execute(
            "SELECT seq, kind, body FROM events ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [Stored(seq, kind, json.loads(body)) for seq, kind, body in rows]

    def __len__(self) -> int:
        return self._count

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest event ever appended (never reused)."""
        return self._seq

    def state(self) -> dict[str, Any]:
        """What the rules remembered (counter baselines), as of the last append."""
        rows = self._db.execute("SELECT key, value FROM meta WHERE key LIKE 'state:%'")
        return {key[len("state:") :]: json.loads(value) for key, value in rows}

    def close(self) -> None:
        self._db.close()

    # --- internals -----------------------------------------------------------------------

    def _event_id(self, machine: str, seq: int) -> str:
        event_id = f"{self.agent}-{machine}-{self._epoch}-{seq}"
        if len(event_id) > MAX_ID:  # very long machine codes: a stable short stand-in
            digest = hashlib.sha1(machine.encode()).hexdigest()[:10]
            event_id = f"{self.agent}-{digest}-{self._epoch}-{seq}"
        return event_id

    def _evict_telemetry(self, n: int) -> int:
        cur = self._db.execute(
            "DELETE FROM events WHERE seq IN "
            "(SELECT seq FROM events WHERE kind = 'telemetry' ORDER BY seq LIMIT ?)",
            (n,),
        )
        self._count -= cur.rowcount
        return cur.rowcount

    def _report_fullness(self, result: AppendResult) -> None:
        self.refused_total += result.refused
        if result.refused or result.evicted:
            if not self.full:
                log.warning(
                    "edge buffer FULL (%d events, limit %d): refusing new telemetry; "
                    "counts and states are still kept",
                    self._count,
                    self.max_events,
                )
            self.full = True
        elif self.full and self._count < self.max_events * 0.9:
            log.warning(
                "edge buffer has room again (%d events); %d telemetry samples were dropped",
                self._count,
                self.refused_total,
            )
            self.full = False
        if self._count > self.max_events and result.stored:
            log.error(
                "edge buffer over its limit with counts and states only (%d > %d): "
                "the server has been unreachable for long; nothing is dropped",
                self._count,
                self.max_events,
            )

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error: the connection runs in autocommit mode
    so that transactions are exactly where this class puts them."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"
