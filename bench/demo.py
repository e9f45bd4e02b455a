#!/usr/bin/env python
"""The demo with its simulated past: how long `make demo` takes, and its KPI page.

Loads the demo factory (around the clock) into a fresh database, simulates its past
``--days`` days through the real ingest path exactly as `linewise demo` does (the same
seeds give the same history as the demo and the tests), then times what the KPI page
asks for on the site: today's figures, this week by day, the 28-day trend by day and
the 28-day downtime Pareto.

    python bench/demo.py                 # 28 days on SQLite
    python bench/demo.py --days 3        # seconds
    python bench/demo.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Writes bench/results/demo.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from sqlalchemy import create_engine, select, text  # noqa: E402

from linewise.core import audit  # noqa: E402
from linewise.core.db import make_engine, make_session_factory  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.demo.factory import build_factory  # noqa: E402
from linewise.demo.history import backfill_history  # noqa: E402
from linewise.demo.load import load_factory  # noqa: E402
from linewise.domains.equipment.models import Site  # noqa: E402
from linewise.domains.performance.pareto import pareto_of  # noqa: E402
from linewise.domains.performance.service import figures, resolve_scope, trend_of  # noqa: E402
from linewise.domains.performance.windows import resolve_window  # noqa: E402
from linewise.kpi import BucketSize, Convention, ParetoMeasure  # noqa: E402

RESULTS = REPO / "bench" / "results" / "demo.json"


def _timed(fn: Callable[[], Any], repeat: int = 3) -> float:
    """The best of ``repeat`` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def _database(pg: str | None, workdir: Path) -> tuple[str, Callable[[], int], Callable[[], None]]:
    """The URL of a fresh database, how to measure its size and how to drop it."""
    if pg is None:
        path = workdir / "demo.db"
        return f"sqlite:///{path}", lambda: path.stat().st_size, lambda: None
    name = f"lw_bench_demo_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg.rsplit("/", 1)[0] + f"/{name}"

    def size() -> int:
        with admin.connect() as conn:
            return int(conn.execute(text(f"SELECT pg_database_size('{name}')")).scalar_one())

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, size, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: SQLite)")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url, size, drop = _database(args.pg, Path(tmp))
        upgrade(url)
        audit.install()
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        spec = build_factory(now, around_the_clock=True, history_days=args.days)
        started = time.perf_counter()
        with sessions() as db:
            load_factory(db, spec, with_users=False)
            db.commit()
        load_s = time.perf_counter() - started
        report = backfill_history(engine, sessions, spec, days=args.days)
        with sessions() as db:
            site_id = db.scalar(select(Site.id))
            assert site_id is not None
            scope = resolve_scope(db, "site", site_id, None)
            calendar = scope.calendars.site
            today = resolve_window(calendar, now)
            week = resolve_window(calendar, now, start=now - timedelta(days=7), end=now)
            month = resolve_window(calendar, now, start=now - timedelta(days=28), end=now)
            iso = Convention.ISO_22400
            queries = {
                "figures_today_ms": lambda: figures(db, scope, today, iso, now),
                "trend_week_by_day_ms": lambda: trend_of(db, scope, week, BucketSize.DAY, iso, now),
                "trend_28d_by_day_ms": lambda: trend_of(db, scope, month, BucketSize.DAY, iso, now),
                "pareto_28d_ms": lambda: pareto_of(
                    db, scope, month, "reason", ParetoMeasure.DURATION, True, False, now
                ),
            }
            timings = {name: _timed(fn) for name, fn in queries.items()}
        engine.dispose()
        result = {
            "backend": engine.dialect.name,
            "days": args.days,
            "load_s": round(load_s, 1),
            "history_s": round(report.seconds, 1),
            "events": report.events,
            "orders_completed": report.orders_completed,
            "rollup_machine_days": report.rollup_days,
            "database_mb": round(size() / 1e6, 1),
            **timings,
        }
        drop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key:<22} {value}")


if __name__ == "__main__":
    main()
