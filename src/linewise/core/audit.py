"""Hash-chained audit log written by a SQLAlchemy flush hook.

Every flush of an audited model (``__audited__ = True``) appends one record per change
with who, when, what and before → after. Each record's hash covers its content and the
previous record's hash, so editing or deleting a row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, event, insert, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.time import utcnow

GENESIS = "0" * 64


class AuditRecord(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


_actor: ContextVar[str] = ContextVar("linewise_actor", default="system")
# SQLite serialises writers itself; this lock keeps threads of one process in order too.
_chain_lock = threading.Lock()
_PG_LOCK_KEY = 0x4C57_4155  # "LWAU": advisory lock that serialises appends across processes


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(actor: str) -> None:
    _actor.set(actor)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _columns(obj: Base) -> list[str]:
    exclude: frozenset[str] = getattr(obj, "__audit_exclude__", frozenset())
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in exclude]


def _snapshot(obj: Base) -> dict[str, Any]:
    return {k: _jsonable(getattr(obj, k)) for k in _columns(obj)}


def _before_after(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the changed columns, with their old and new values."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else getattr(obj, key)
            if old != new:
                before[key] = _jsonable(old)
                after[key] = _jsonable(new)
    return before, after


def record_hash(
    *,
    seq: int,
    ts: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [seq, ts, actor, action, entity, entity_id, before, after, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _entity_id(obj: Base) -> str:
    # In after_flush new objects are not in the identity map yet, but their primary key
    # attributes are already populated: read those, not ``identity``.
    state = inspect(obj)
    ident = state.mapper.primary_key_from_instance(obj)
    return ",".join(str(v) for v in ident) if all(v is not None for v in ident) else "?"


def _pending_changes(session: Session) -> list[tuple[str, Base, dict[str, Any] | None, Any]]:
    changes: list[tuple[str, Base, dict[str, Any] | None, Any]] = []
    for obj in session.info.pop("audit_new", []):
        changes.append(("create", obj, None, _snapshot(obj)))
    for obj, before, after in session.info.pop("audit_dirty", []):
        changes.append(("update", obj, before, after))
    for obj, before in session.info.pop("audit_deleted", []):
        changes.append(("delete", obj, before, None))
    return changes


def _audited(obj: object) -> bool:
    return bool(getattr(obj, "__audited__", False))


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    # Collect here, while attribute history still holds the old values.
    dirty = session.info.setdefault("audit_dirty", [])
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _before_after(obj)
            if after:
                dirty.append((obj, before, after))
    deleted = session.info.setdefault("audit_deleted", [])
    for obj in session.deleted:
        if _audited(obj):
            deleted.append((obj, _snapshot(obj)))
    new = session.info.setdefault("audit_new", [])
    new.extend(o for o in session.new if _audited(o))


def _after_flush(session: Session, _ctx: Any) -> None:
    changes = _pending_changes(session)
    if not changes:
        return
    conn = session.connection()
    with _chain_lock:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        last = conn.execute(
            select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
        ).first()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        actor = str(session.info.get("actor") or _actor.get())
        rows = []
        for action, obj, before, after in changes:
            seq += 1
            ts = utcnow()
            entity = type(obj).__tablename__
            eid = _entity_id(obj)
            digest = record_hash(
                seq=seq,
                ts=ts.isoformat(),
                actor=actor,
                action=action,
                entity=entity,
                entity_id=eid,
                before=before,
                after=after,
                prev_hash=prev,
            )
            rows.append(
                {
                    "seq": seq,
                    "ts": ts,
                    "actor": actor,
                    "action": action,
                    "entity": entity,
                    "entity_id": eid,
                    "before": before,
                    "after": after,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        conn.execute(insert(AuditRecord), rows)


def install(session_cls: type[Session] = Session) -> None:
    """Attach the audit hooks to every session (idempotent)."""
    if not event.contains(session_cls, "before_flush", _before_flush):
        event.listen(session_cls, "before_flush", _before_flush)
        event.listen(session_cls, "after_flush", _after_flush)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order; name the first record that does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    stmt = select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=1000)
    for rec in session.scalars(stmt):
        if rec.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"record {expected_seq} is missing")
        if rec.prev_hash != prev:
            return VerifyResult(False, checked, rec.seq, "previous-hash link is broken")
        digest = record_hash(
            seq=rec.seq,
            ts=rec.ts.isoformat(),
            actor=rec.actor,
            action=rec.action,
            entity=rec.entity,
            entity_id=rec.entity_id,
            before=rec.before,
            after=rec.after,
            prev_hash=rec.prev_hash,
        )
        if digest != rec.hash:
            return VerifyResult(False, checked, rec.seq, "content does not match its hash")
        prev = rec.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(True, checked)
