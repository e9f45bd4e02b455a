"""Typed domain events, published only after the unit of work that caused them commits.

A service appends an event to its session (``record``); the session keeps it in
``session.info`` until the transaction ends. On commit the events go to the bus of the
session factory (``bind_bus``): in-process subscribers get them by type, and on
PostgreSQL each event is also NOTIFYed inside the committing transaction, so other
processes hear it exactly when it is saved. On rollback the events are dropped.

Events are frozen dataclasses of plain values (int, float, str, bool, None, datetime,
and tuples or frozensets of those), registered under a stable name by ``domain_event``,
so that the NOTIFY bridge can send any of them and rebuild it in another process.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import types
import typing
from datetime import datetime
from typing import Any, ClassVar, TypeVar, get_type_hints

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("linewise.events")

CHANNEL = "linewise_live"
MAX_PAYLOAD = 7900  # PostgreSQL's limit is 8000 bytes
_PENDING = "linewise_events"
_BUS = "linewise_bus"


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event; ``name`` is its stable wire name (set by ``domain_event``)."""

    name: ClassVar[str] = ""


E = TypeVar("E", bound=type[DomainEvent])
_REGISTRY: dict[str, type[DomainEvent]] = {}


def domain_event(name: str) -> typing.Callable[[E], E]:
    """Register an event class under ``name`` (unique, kept stable across versions)."""

    def register(cls: E) -> E:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"domain event name {name!r} is taken by {_REGISTRY[name]}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return register


def event_types() -> dict[str, type[DomainEvent]]:
    return dict(_REGISTRY)


@domain_event("machine_changes")
@dataclasses.dataclass(frozen=True)
class MachineChanges(DomainEvent):
    """Which machines and order operations changed in one committed ingest write.

    ``state_machines == {-1}`` means "everything may have changed" (a notice too large
    to list): listeners refresh all.
    """

    state_machines: frozenset[int] = frozenset()
    count_machines: frozenset[int] = frozenset()
    operations: frozenset[int] = frozenset()
    origin: str = ""

    def __bool__(self) -> bool:
        return bool(self.state_machines or self.count_machines or self.operations)


# --- wire format ----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(inner[0], value) if len(inner) == 1 else value
    if origin is frozenset:
        (item,) = typing.get_args(hint)
        return frozenset(_typed(item, v) for v in value)
    if origin is tuple:
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return tuple(_typed(item, v) for v in value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    return value


def encode(ev: DomainEvent, origin: str) -> str:
    data = {f.name: _plain(getattr(ev, f.name)) for f in dataclasses.fields(ev)}
    return json.dumps({"o": origin, "t": ev.name, "d": data}, separators=(",", ":"))


def decode(payload: str) -> tuple[str, DomainEvent] | None:
    """(origin, event) from a NOTIFY payload; None for what this process cannot read."""
    try:
        raw = json.loads(payload)
        cls = _REGISTRY[raw["t"]]
        hints = get_type_hints(cls)
        fields = {f.name for f in dataclasses.fields(cls)}
        data = {k: _typed(hints[k], v) for k, v in raw["d"].items() if k in fields}
        return str(raw.get("o", "")), cls(**data)
    except (ValueError, KeyError, TypeError):
        log.warning("unreadable event notice ignored: %.200s", payload)
        return None


# --- after commit -----------------------------------------------------------------------


def bind_bus(session_info: dict[str, Any], bus: Any) -> None:
    """Make sessions created with this ``info`` publish their events on ``bus``."""
    session_info[_BUS] = bus


def record(session: Session, ev: DomainEvent) -> None:
    """Append ``ev`` to the session's unit of work; published after its commit."""
    if not session.in_transaction():
        # Tie the event to a transaction, so that its rollback drops it (beginning one
        # takes no connection yet).
        session.begin()
    session.info.setdefault(_PENDING, []).append(ev)


def _pending(session: Session) -> list[DomainEvent]:
    found: list[DomainEvent] = session.info.get(_PENDING, [])
    return found


def _before_commit(session: Session) -> None:
    events, bus = _pending(session), session.info.get(_BUS)
    if not events or bus is None:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for ev in events:
        payload = encode(ev, bus.origin)
        if len(payload) > MAX_PAYLOAD:
            log.warning("event %s too large to NOTIFY; only this process hears it", ev.name)
            continue
        conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": payload})


def _after_commit(session: Session) -> None:
    events = session.info.pop(_PENDING, [])
    bus = session.info.get(_BUS)
    if bus is None:
        return
    for ev in events:
        bus.publish(ev)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Whatever is left when the outermost transaction ends was rolled back (or closed
    # without commit): dropped. A savepoint ending keeps the outer transaction's events,
    # so an event recorded inside a savepoint that rolls back is still published.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


_installed = False


def install() -> None:
    """Hook every Session once (idempotent), like the audit hook."""
    global _installed
    if _installed:
        return
    sa_event.listen(Session, "before_commit", _before_commit)
    sa_event.listen(Session, "after_commit", _after_commit)
    sa_event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed = True
