"""Backups and restores of the whole database, with a manifest that proves the restore.

A backup is a directory ``<UTC timestamp>/`` holding the database copy and
``manifest.json``: the row count of every table and the audit chain's head, read from
the *same snapshot* as the copy. A restore copies the data into an empty database and
then checks it against the manifest: every count equal, the audit chain intact and ending
at the recorded head. So "the restore worked" is a checked fact, not a hope.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the file in one
  step while the server keeps writing; WAL readers never block the writer.
- PostgreSQL: ``pg_dump`` in its custom format, run on a snapshot exported from a
  repeatable-read transaction in which the manifest is counted too (``--snapshot``),
  and ``pg_restore`` into an empty database. Point-in-time recovery needs a base backup
  plus WAL archiving, which is PostgreSQL's own business (docs/operations.md).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, make_url, text

import linewise
from linewise.core.db import make_engine

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """A backup or restore that cannot be done, in words an operator can act on."""


@dataclass(frozen=True)
class Manifest:
    backend: str  # "sqlite" or "postgresql"
    created_at: str  # ISO 8601, UTC
    linewise_version: str
    migrations: list[str]  # alembic heads the database was at
    row_counts: dict[str, int]
    audit_seq: int  # the audit chain's last record (0: empty)
    audit_hash: str | None
    seconds: float = 0.0  # how long the copy took
    size_bytes: int = 0

    @staticmethod
    def read(directory: Path) -> Manifest:
        try:
            data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            return Manifest(**data)
        except FileNotFoundError as exc:
            raise BackupError(f"{directory} is not a backup: it has no {MANIFEST}") from exc
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{directory / MANIFEST} cannot be read: {exc}") from exc


@dataclass
class RestoreReport:
    manifest: Manifest
    differences: list[str] = field(default_factory=list)
    audit_checked: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.differences


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


# --- what a snapshot holds -------------------------------------------------------------


def _tables(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def _snapshot_facts(conn: Connection) -> tuple[dict[str, int], int, str | None, list[str]]:
    """Row counts, the audit head and the migration heads, as ``conn`` sees them."""
    counts: dict[str, int] = {}
    for table in _tables(conn):
        counts[table] = int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
    head = None
    if "audit_log" in counts:
        head = conn.execute(
            text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        ).first()
    heads: list[str] = []
    if "alembic_version" in counts:
        heads = sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
    return counts, int(head[0]) if head else 0, (str(head[1]) if head else None), heads


# --- backup ---------------------------------------------------------------------------


def backup(url: str, root: Path, now: datetime | None = None) -> tuple[Path, Manifest]:
    """Back the database at ``url`` up into a new directory under ``root``."""
    backend = backend_of(url)
    now = now or datetime.now(UTC)
    root.mkdir(parents=True, exist_ok=True)
    final = root / now.strftime(STAMP)
    if final.exists():
        raise BackupError(f"{final} exists already: one backup per second at most")
    # Written beside the final place and renamed at the end: a crash leaves no
    # half-backup that looks complete.
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
    try:
        started = time.monotonic()
        if backend == "sqlite":
            facts = _backup_sqlite(url, work / SQLITE_FILE)
            size = (work / SQLITE_FILE).stat().st_size
        else:
            facts = _backup_postgresql(url, work / PG_FILE)
            size = (work / PG_FILE).stat().st_size
        counts, seq, digest, heads = facts
        manifest = Manifest(
            backend=backend,
            created_at=now.isoformat(),
            linewise_version=linewise.__version__,
            migrations=heads,
            row_counts=counts,
            audit_seq=seq,
            audit_hash=digest,
            seconds=round(time.monotonic() - started, 3),
            size_bytes=size,
        )
        (work / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final, manifest


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _backup_sqlite(url: str, target: Path) -> tuple[dict[str, int], int, str | None, list[str]]:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # pages=-1 (the default): the whole database in one step, under one read
        # transaction, so the copy is one consistent moment however busy the writer is.
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    engine = make_engine(f"sqlite:///{target}", sqlite_immediate=False)
    try:
        with engine.connect() as conn:
            # The manifest is read from the copy itself: it describes exactly what it holds.
            return _snapshot_facts(conn)
    finally:
        engine.dispose()


def pg_tool(name: str) -> str:
    """The PostgreSQL client program ``name`` (pg_dump, pg_restore), newest first."""
    found = shutil.which(name)
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    for candidate in [*(Path(c) for c in candidates), *([Path(found)] if found else [])]:
        if candidate.is_file():
            return str(candidate)
    raise BackupError(
        f"{name} was not found: install PostgreSQL's client programs "
        "(Debian: postgresql-client) on the machine that runs backups"
    )


def libpq_url(url: str) -> str:
    """SQLAlchemy's URL as libpq takes it (no ``+driver``)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _backup_postgresql(url: str, target: Path) -> tuple[dict[str, int], int, str | None, list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                facts = _snapshot_facts(conn)
                # pg_dump sees exactly the snapshot the counts were read in; the
                # transaction stays open until it is done.
                _run(
                    [
                        pg_tool("pg_dump"),
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={target}",
                        "--dbname",
                        libpq_url(url),
                    ]
                )
        return facts
    finally:
        engine.dispose()


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        program = Path(argv[0]).name
        raise BackupError(f"{program} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


# --- restore --------------------------------------------------------------------------


def restore(directory: Path, url: str, *, force: bool = False) -> RestoreReport:
    """Restore the backup in ``directory`` into the (empty) database at ``url``, then
    check it against the backup's manifest."""
    manifest = Manifest.read(directory)
    backend = backend_of(url)
    if backend != manifest.backend:
        raise BackupError(
            f"this is a {manifest.backend} backup; it cannot be restored into {backend} "
            "(move data between the two with export and import)"
        )
    started = time.monotonic()
    if backend == "sqlite":
        _restore_sqlite(directory / SQLITE_FILE, url, force=force)
    else:
        _restore_postgresql(directory / PG_FILE, url, force=force)
    report = check(url, manifest)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _restore_sqlite(copy: Path, url: str, *, force: bool) -> None:
    if not copy.is_file():
        raise BackupError(f"the backup has no {SQLITE_FILE}")
    target = _sqlite_path(url)
    if target.exists() and target.stat().st_size > 0 and not force:
        with _sqlite_tables(target) as tables:
            if tables:
                raise BackupError(
                    f"{target} holds data ({len(tables)} tables): restore into an empty "
                    "database, or pass --force to replace it (stop the server first)"
                )
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(copy)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


@contextmanager
def _sqlite_tables(path: Path) -> Iterator[list[str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        yield [r[0] for r in rows]
    finally:
        conn.close()


def _restore_postgresql(dump: Path, url: str, *, force: bool) -> None:
    if not dump.is_file():
        raise BackupError(f"the backup has no {PG_FILE}")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = _tables(conn)
    finally:
        engine.dispose()
    if tables and not force:
        raise BackupError(
            f"the database holds {len(tables)} tables: restore into an empty database "
            "(createdb), or pass --force to drop and replace what the backup holds"
        )
    argv = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    if force:
        argv += ["--clean", "--if-exists"]
    _run([*argv, "--dbname", libpq_url(url), str(dump)])


def check(url: str, manifest: Manifest) -> RestoreReport:
    """Compare the database at ``url`` with ``manifest``: counts, migrations, audit chain."""
    from sqlalchemy.orm import Session

    from linewise.core import audit

    report = RestoreReport(manifest)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts, seq, digest, heads = _snapshot_facts(conn)
        for table, expected in sorted(manifest.row_counts.items()):
            got = counts.get(table)
            if got != expected:
                report.differences.append(f"{table}: {got} rows, the backup had {expected}")
        for table in sorted(set(counts) - set(manifest.row_counts)):
            if counts[table]:
                report.differences.append(f"{table}: {counts[table]} rows not in the backup")
        if heads != manifest.migrations:
            report.differences.append(f"migrations {heads}, the backup had {manifest.migrations}")
        if (seq, digest) != (manifest.audit_seq, manifest.audit_hash):
            report.differences.append(
                f"audit head {seq} ({digest}), the backup had {manifest.audit_seq} "
                f"({manifest.audit_hash})"
            )
        with Session(engine) as session:
            result = audit.verify(session)
        report.audit_checked = result.checked
        if not result.ok:
            report.differences.append(
                f"audit chain broken at record {result.first_bad_seq}: {result.reason}"
            )
    finally:
        engine.dispose()
    return report


# --- retention -------------------------------------------------------------------------


def list_backups(root: Path) -> list[tuple[Path, Manifest]]:
    """Complete backups under ``root``, oldest first (partial ones are skipped)."""
    found = []
    if not root.is_dir():
        return []
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and (child / MANIFEST).is_file():
            try:
                found.append((child, Manifest.read(child)))
            except BackupError:
                continue
    return found


def prune(
    root: Path, keep_days: float, now: datetime | None = None, keep_all_hours: float = 24.0
) -> list[Path]:
    """Thin out and expire backups: every backup of the last ``keep_all_hours`` is kept
    (frequent backups are what keeps the recovery point short), then the newest of each
    UTC day up to ``keep_days``; the newest backup is never deleted."""
    now = now or datetime.now(UTC)
    backups = list_backups(root)
    expire = now - timedelta(days=keep_days)
    thin = now - timedelta(hours=keep_all_hours)
    removed = []
    seen_days: set[str] = set()
    # Newest first, so that the first backup seen on a day is that day's newest.
    for index, (path, manifest) in enumerate(reversed(backups)):
        created = datetime.fromisoformat(manifest.created_at)
        day = created.astimezone(UTC).date().isoformat()
        newest_of_day = day not in seen_days
        seen_days.add(day)
        if index == 0 or created >= thin:
            continue
        if created < expire or not newest_of_day:
            shutil.rmtree(path)
            removed.append(path)
    removed.reverse()  # oldest first, as listed
    # Leftovers of a backup that crashed half-way.
    for leftover in root.glob(".partial-*") if root.is_dir() else []:
        if leftover.stat().st_mtime < (now - timedelta(days=1)).timestamp():
            shutil.rmtree(leftover, ignore_errors=True)
    return removed


def summary(manifest: Manifest) -> dict[str, Any]:
    return {
        "backend": manifest.backend,
        "created_at": manifest.created_at,
        "tables": len(manifest.row_counts),
        "rows": sum(manifest.row_counts.values()),
        "audit_records": manifest.audit_seq,
        "seconds": manifest.seconds,
        "size_bytes": manifest.size_bytes,
    }
