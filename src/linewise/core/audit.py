"""Hash-chained audit log written by a SQLAlchemy flush hook.

Every flush of an audited model (``__audited__ = True``) appends one record per change
with who, when, what and before → after, many-to-many links included (an operator's
areas as ``area_ids``). Each record's hash covers its content and the previous record's
hash, so editing or deleting a row breaks the chain at that row; the checkpoint
(``audit_checkpoint``), moved forward after each commit, makes removing the last rows or
recomputing the hashes after an edit detectable too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    Engine,
    Integer,
    String,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, RelationshipProperty, Session, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from linewise.core import audit_checkpoint
from linewise.core.audit_checkpoint import Checkpoint
from linewise.core.db import Base, UTCDateTime
from linewise.core.time import utcnow

log = logging.getLogger("linewise.audit")

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
# SQLite serialises writers itself; this lock keeps threads of one process in order too
# (a test's own session starts deferred). PostgreSQL uses a transaction's advisory lock.
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


def _links(obj: Base) -> list[RelationshipProperty[Any]]:
    """Many-to-many relationships: their rows have no model of their own to audit."""
    return [
        rel
        for rel in inspect(obj).mapper.relationships
        if rel.secondary is not None and not rel.viewonly
    ]


def _link_key(rel: RelationshipProperty[Any]) -> str:
    """``operator_areas.area_id`` -> ``area_ids``: the name the API uses for the list."""
    assert rel.secondary is not None
    target = rel.mapper.local_table
    for col in rel.secondary.columns:
        if any(fk.column.table is target for fk in col.foreign_keys):
            return f"{col.key}s"
    return f"{rel.key}_ids"


def _ident(obj: object) -> Any:
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    return ident[0] if len(ident) == 1 else ",".join(str(v) for v in ident)


def _ids(objs: Any) -> list[Any]:
    return sorted((_ident(o) for o in objs), key=lambda v: (v is None, str(type(v)), v))


def _link_changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before/after id lists of the many-to-many links that changed."""
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for rel in _links(obj):
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            old = _ids([*hist.unchanged, *hist.deleted])
            new = _ids([*hist.unchanged, *hist.added])
            if old != new:
                before[_link_key(rel)] = old
                after[_link_key(rel)] = new
    return before, after


def _snapshot(obj: Base) -> dict[str, Any]:
    snap = {k: _jsonable(getattr(obj, k)) for k in _columns(obj)}
    for rel in _links(obj):
        snap[_link_key(rel)] = _ids(getattr(obj, rel.key))
    return snap


def _touch(obj: Base) -> None:
    """Make a change of links alone a change of the record: an UPDATE that bumps its
    version (so a client holding the old version gets 409) and its ``updated_at``."""
    mapper = inspect(obj).mapper
    if mapper.version_id_col is None:
        return
    if "updated_at" in mapper.column_attrs:
        setattr(obj, "updated_at", utcnow())  # noqa: B010 (any model with the column)
        return
    keys = {c.key for c in mapper.primary_key} | {mapper.version_id_col.key}
    for attr in mapper.column_attrs:
        if attr.key not in keys:
            flag_modified(obj, attr.key)
            return


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
    # A secret's hash never enters the log, but that it changed does (a password reset
    # is an event an auditor looks for): "password_changed": true, without any value.
    exclude: frozenset[str] = getattr(obj, "__audit_exclude__", frozenset())
    for key in sorted(exclude):
        if key in state.attrs and state.attrs[key].history.has_changes():
            after[f"{key.removesuffix('_hash')}_changed"] = True
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
        if not _audited(obj):
            continue
        links_before, links_after = _link_changes(obj)
        if links_after and not session.is_modified(obj, include_collections=False):
            _touch(obj)
        if links_after or session.is_modified(obj, include_collections=False):
            before, after = _before_after(obj)
            before.update(links_before)
            after.update(links_after)
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
    if conn.dialect.name == "postgresql":
        # The transaction's advisory lock orders appends until it commits, across threads
        # and processes. No process lock around it: a thread holding one while it waits
        # here would deadlock with a transaction of this process that appended already
        # (it holds the advisory lock) and flushes again (it would wait for the process
        # lock). Seen as a training job's second flush under the API contract run.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        _append(session, conn, changes)
    else:
        with _chain_lock:
            _append(session, conn, changes)


def _append(
    session: Session, conn: Connection, changes: list[tuple[str, Base, dict[str, Any] | None, Any]]
) -> None:
    """The changes as the next records of the chain (the caller holds the lock)."""
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
    genesis = rows[0]["hash"] if rows[0]["seq"] == 1 else _genesis(conn)
    # Moved forward once the transaction commits (see _after_commit).
    session.info["audit_head"] = (genesis, seq, prev)


def _genesis(conn: Connection) -> str:
    first = conn.execute(select(AuditRecord.hash).where(AuditRecord.seq == 1)).scalar()
    return first or GENESIS


# Where each database's checkpoint is kept: set by whoever opens it (the app, the CLI).
_anchors: weakref.WeakKeyDictionary[Engine, Path] = weakref.WeakKeyDictionary()


def anchor(engine: Engine, checkpoint: Path | None) -> None:
    """Keep the checkpoint of ``engine``'s audit log at ``checkpoint`` (None: nowhere)."""
    if checkpoint is None:
        _anchors.pop(engine, None)
    else:
        _anchors[engine] = checkpoint


def _after_commit(session: Session) -> None:
    head = session.info.pop("audit_head", None)
    if head is None:
        return
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    path = _anchors.get(engine)
    if path is None:
        return
    try:
        audit_checkpoint.advance(path, *head)
    except OSError:
        # The change is committed; a checkpoint that lags is caught up by the next one.
        log.exception("could not write the audit checkpoint %s", path)


def _after_rollback(session: Session) -> None:
    session.info.pop("audit_head", None)


def install(session_cls: type[Session] = Session) -> None:
    """Attach the audit hooks to every session (idempotent)."""
    if not event.contains(session_cls, "before_flush", _before_flush):
        event.listen(session_cls, "before_flush", _before_flush)
        event.listen(session_cls, "after_flush", _after_flush)
        event.listen(session_cls, "after_commit", _after_commit)
        event.listen(session_cls, "after_rollback", _after_rollback)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    checkpoint_seq: int | None = None  # the head the table was checked against


def verify(
    session: Session, checkpoint: Checkpoint | None = None, *, require_checkpoint: bool = False
) -> VerifyResult:
    """Walk the chain in order; name the first record that does not hold.

    With a ``checkpoint`` the table must also still reach the head it recorded, with the
    same hash and the same first record: deleting the last records, or rewriting one and
    every hash after it, is caught. ``require_checkpoint``: having none is a failure too
    (deleting the file must not be a way around it).
    """
    prev = GENESIS
    expected_seq = 1
    checked = 0
    genesis: str | None = None
    at_checkpoint: str | None = None
    anchored = checkpoint.seq if checkpoint is not None else None
    stmt = select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=1000)
    for rec in session.scalars(stmt):
        if rec.seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"record {expected_seq} is missing", anchored
            )
        if rec.prev_hash != prev:
            return VerifyResult(False, checked, rec.seq, "previous-hash link is broken", anchored)
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
            return VerifyResult(
                False, checked, rec.seq, "content does not match its hash", anchored
            )
        if rec.seq == 1:
            genesis = rec.hash
        if anchored is not None and rec.seq == anchored:
            at_checkpoint = rec.hash
        prev = rec.hash
        expected_seq += 1
        checked += 1
    if checkpoint is None:
        if require_checkpoint and checked:
            return VerifyResult(
                False,
                checked,
                None,
                "no checkpoint: removing the last records or rewriting the chain would not "
                "be detected; write one with `linewise audit checkpoint` once the log is "
                "trusted",
            )
        return VerifyResult(True, checked)
    return _against_checkpoint(checkpoint, checked, genesis, at_checkpoint)


def verify_with_checkpoint(session: Session, path: Path | None) -> VerifyResult:
    """``verify`` against the checkpoint at ``path`` (None: the chain alone)."""
    if path is None:
        return verify(session)
    try:
        checkpoint = audit_checkpoint.load(path)
    except audit_checkpoint.CheckpointUnreadable as exc:
        return VerifyResult(False, 0, None, f"the checkpoint cannot be read: {exc}")
    return verify(session, checkpoint, require_checkpoint=True)


def _against_checkpoint(
    checkpoint: Checkpoint, checked: int, genesis: str | None, at_checkpoint: str | None
) -> VerifyResult:
    seq = checkpoint.seq
    if seq == 0:
        return VerifyResult(True, checked, checkpoint_seq=seq)
    if checked < seq:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"records {checked + 1}..{seq} are missing: the checkpoint "
            f"({checkpoint.written_at}) saw the log reach record {seq}",
            seq,
        )
    if genesis != checkpoint.genesis:
        return VerifyResult(
            False,
            checked,
            1,
            "record 1 is not the one the checkpoint names: the log was rewritten from its "
            "start, or the checkpoint belongs to another log",
            seq,
        )
    if at_checkpoint != checkpoint.hash:
        return VerifyResult(
            False,
            checked,
            seq,
            f"record {seq} does not match the checkpoint's hash: it or a record before "
            "it was rewritten and the hashes after it recomputed",
            seq,
        )
    return VerifyResult(True, checked, checkpoint_seq=seq)
