#!/usr/bin/env python
"""Backup and restore of the demo factory with a month of data: recovery time and size.

Loads the demo factory and simulates ``--days`` days of its past through the real ingest
path (as `linewise demo` does), then times `linewise backup` and `linewise restore`
(with its check against the manifest) beside the bare tools in the same run: a plain
file copy on SQLite, bare pg_dump / pg_restore on PostgreSQL.

    python bench/backup.py                 # 28 days on SQLite
    python bench/backup.py --days 3
    python bench/backup.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Writes bench/results/backup-<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from sqlalchemy import create_engine, text  # noqa: E402

from linewise.core import audit  # noqa: E402
from linewise.core.db import make_engine, make_session_factory  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.demo.factory import build_factory  # noqa: E402
from linewise.demo.history import backfill_history  # noqa: E402
from linewise.demo.load import load_factory  # noqa: E402
from linewise.ops import backup as backups  # noqa: E402


@contextmanager
def database(pg: str | None, workdir: Path, label: str) -> Iterator[str]:
    """A fresh, empty database URL, dropped afterwards."""
    if pg is None:
        yield f"sqlite:///{workdir / f'{label}.db'}"
        return
    name = f"lw_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: SQLite)")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with database(args.pg, work, "source") as url:
            upgrade(url)
            audit.install()
            engine = make_engine(url)
            sessions = make_session_factory(engine)
            spec = build_factory(now, around_the_clock=True, history_days=args.days)
            with sessions() as db:
                load_factory(db, spec, with_users=False)
                db.commit()
            report = backfill_history(engine, sessions, spec, days=args.days)
            engine.dispose()

            found: dict[str, object] = {}

            def ours() -> None:
                found["path"], found["manifest"] = backups.backup(url, work / "backups")

            backup_s = timed(ours)
            path = found["path"]
            manifest = found["manifest"]
            assert isinstance(path, Path) and isinstance(manifest, backups.Manifest)
            rows = sum(manifest.row_counts.values())
            if args.pg is None:
                source = Path(url.removeprefix("sqlite:///"))
                bare_backup_s = timed(lambda: shutil.copy(source, work / "bare-copy.db"))
                bare_name = "file copy"
            else:
                dump = work / "bare.pgdump"
                pg_dump = backups.pg_tool("pg_dump")
                bare_backup_s = timed(
                    lambda: subprocess.run(
                        [pg_dump, "-Fc", f"--file={dump}", backups.libpq_url(url)], check=True
                    )
                )
                bare_name = "bare pg_dump"
            with database(args.pg, work, "restored") as target:
                restored: dict[str, backups.RestoreReport] = {}

                def restore() -> None:
                    restored["r"] = backups.restore(path, target)

                restore_s = timed(restore)
                assert restored["r"].ok, restored["r"].differences
            with database(args.pg, work, "bare") as target:
                if args.pg is None:
                    dest = Path(target.removeprefix("sqlite:///"))
                    bare_restore_s = timed(lambda: shutil.copy(work / "bare-copy.db", dest))
                else:
                    pg_restore = backups.pg_tool("pg_restore")
                    bare_restore_s = timed(
                        lambda: subprocess.run(
                            [pg_restore, "--no-owner", "-d", backups.libpq_url(target), str(dump)],
                            check=True,
                        )
                    )
    result = {
        "backend": "postgresql" if args.pg else "sqlite",
        "days": args.days,
        "events": report.events,
        "rows": rows,
        "backup_mb": round(manifest.size_bytes / 1e6, 1),
        "backup_s": backup_s,
        "bare_backup_s": bare_backup_s,
        "backup_ratio": round(backup_s / max(bare_backup_s, 0.01), 2),
        "restore_and_check_s": restore_s,
        "bare_restore_s": bare_restore_s,
        "restore_ratio": round(restore_s / max(bare_restore_s, 0.01), 2),
        "baseline": bare_name,
    }
    out = REPO / "bench" / "results" / f"backup-{result['backend']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{'figure':<22} {'value':>10}")
    for key, value in result.items():
        print(f"{key:<22} {value!s:>10}")


if __name__ == "__main__":
    main()
