"""Database engine, session scope and the UTC column type.

Sync SQLAlchemy on purpose: request handlers run in FastAPI's thread pool, which keeps
transactions simple and the same code path for SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from linewise.core.time import require_aware

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; refuses naive datetimes; returns aware UTC datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = require_aware(value)
        # SQLite has no zone type: store naive UTC so that ordering by text works.
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Connections per engine. A request holds at most one (its session's), and the API lets at
# most REQUEST_SESSIONS requests hold a session at once (api/deps.py), fewer than the
# worker threads (anyio's default: 40), so a request never waits for a connection that
# only a request queued behind it could give back. The rest of the pool is for the
# background services (recorder, planner, refresher, live hub) beside the requests.
POOL_SIZE = 16
POOL_OVERFLOW = 24
REQUEST_SESSIONS = 24
# Waiting longer than this for a connection is an error (503), never a hang.
POOL_TIMEOUT_S = 10.0

# Execution option: this engine's transactions only read (see ``reader``).
READ_ONLY = "linewise_read_only"


def make_engine(url: str, *, sqlite_immediate: bool = True, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout.

    Writing transactions on SQLite start with BEGIN IMMEDIATE; those of ``reader(engine)``
    and of an engine made with ``sqlite_immediate=False`` start deferred: in WAL mode a
    deferred reader never takes the write lock and never waits for a writer.
    """
    if url.startswith("sqlite"):
        parsed = make_url(url)
        path = parsed.database or ""
        memory = path in ("", ":memory:") or parsed.query.get("mode") == "memory"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", POOL_OVERFLOW)
            kwargs.setdefault("pool_timeout", POOL_TIMEOUT_S)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when a transaction begins, so that
            # BEGIN IMMEDIATE below takes the write lock before the first read.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A writer takes the one write lock up front: avoids "database is locked"
            # upgrades half-way through a read-then-write transaction. A reader must
            # not take it: readers would queue behind every writer and each other.
            immediate = sqlite_immediate and not conn.get_execution_options().get(READ_ONLY)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_S)
    return create_engine(url, **kwargs)


_readers: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def reader(engine: Engine) -> Engine:
    """The same engine (same pool and events) for transactions that only read.

    On SQLite they begin deferred, so they neither take nor wait for the write lock. A
    write in such a transaction still works but may meet "database is locked" when
    another writer is busy: use it where nothing is written (GET and HEAD requests).
    """
    found = _readers.get(engine)
    if found is None:
        found = _readers[engine] = engine.execution_options(**{READ_ONLY: True})
    return found


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


_read_factories: WeakKeyDictionary[sessionmaker[Session], sessionmaker[Session]] = (
    WeakKeyDictionary()
)


def read_only_factory(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """``factory``'s twin (same settings and info) whose sessions bind to ``reader``."""
    found = _read_factories.get(factory)
    if found is None:
        kw = dict(factory.kw)
        kw["bind"] = reader(kw["bind"])
        found = _read_factories[factory] = sessionmaker(class_=factory.class_, **kw)
    return found


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
