"""What the KPI page asks the server, timed on the demo factory: new trend against the old.

The page's default view makes these calls (through the services the routes call, on one
session): the site's figures for today and this week, each line's figures for today and
this week, the trend (today per hour, or this week per day), the downtime Pareto and the
queue of stops without a reason. The week's and the last 28 days' trends are timed twice
in the same run: per day from the day rollups (the new path) and from every interval of
the window in one pass (the old path, ``trend_exact``), the baseline. The page itself no
longer asks for each line's figures (the site's answer carries them); the lines' calls
are timed still, as the old page made them.

    linewise demo --history-days 28     # into LINEWISE_DATABASE_URL, once (about 70 s)
    python bench/kpi_page.py --db sqlite:///demo.db [--repeat 5]

Prints a table and writes bench/results/kpi_page.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from linewise.core.db import make_engine
from linewise.core.time import utcnow
from linewise.domains.performance import downtime
from linewise.domains.performance.pareto import pareto_of
from linewise.domains.performance.service import (
    figures,
    resolve_scope,
    trend_exact,
    trend_of,
)
from linewise.domains.performance.windows import resolve_window
from linewise.kpi import BucketSize, Convention, ParetoMeasure, site_date_of, site_day

RESULTS = Path(__file__).parent / "results" / "kpi_page.json"
ISO = Convention.ISO_22400


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Median and best of ``repeat`` runs, in milliseconds (one warm-up run first)."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "best_ms": round(min(runs), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL of a loaded demo")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine(args.db)
    db = Session(engine)
    now = utcnow()
    site_id = int(db.scalar(text("SELECT id FROM sites ORDER BY id LIMIT 1")) or 0)
    line_ids = [int(r[0]) for r in db.execute(text("SELECT id FROM lines ORDER BY id"))]
    site = resolve_scope(db, "site", site_id, None)
    lines = [resolve_scope(db, "line", i, None) for i in line_ids]
    tz = site.calendars.timezone
    today = site_date_of(tz, now)
    midnight = site_day(tz, today).start
    monday = site_day(tz, today - timedelta(days=today.weekday())).start
    cal = site.calendars.site

    def window(start: datetime) -> Any:
        return resolve_window(cal, now, start=start, end=now)

    w_today, w_week = window(midnight), window(monday)
    w_month = window(site_day(tz, today - timedelta(days=27)).start)
    calls: dict[str, Callable[[], Any]] = {
        "site figures today": lambda: figures(db, site, w_today, ISO, now),
        "site figures this week": lambda: figures(db, site, w_week, ISO, now),
        f"{len(lines)} lines' figures today": lambda: [
            figures(db, sc, w_today, ISO, now) for sc in lines
        ],
        f"{len(lines)} lines' figures this week": lambda: [
            figures(db, sc, w_week, ISO, now) for sc in lines
        ],
        "trend today per hour": lambda: trend_of(db, site, w_today, BucketSize.HOUR, ISO, now),
        "trend this week per day (rollups)": lambda: trend_of(
            db, site, w_week, BucketSize.DAY, ISO, now
        ),
        "trend this week per day (old: exact)": lambda: trend_exact(
            db, site, w_week, BucketSize.DAY, ISO, now
        ),
        "trend last 28 days per day (rollups)": lambda: trend_of(
            db, site, w_month, BucketSize.DAY, ISO, now
        ),
        "trend last 28 days per day (old: exact)": lambda: trend_exact(
            db, site, w_month, BucketSize.DAY, ISO, now
        ),
        "Pareto today": lambda: pareto_of(
            db, site, w_today, "reason", ParetoMeasure.DURATION, True, False, now
        ),
        "Pareto this week": lambda: pareto_of(
            db, site, w_week, "reason", ParetoMeasure.DURATION, True, False, now
        ),
        "stops without a reason": lambda: downtime.unassigned(
            db, None, now - timedelta(days=7), now, 200, 0
        ),
    }
    results: dict[str, Any] = {"now": now.isoformat(), "repeat": args.repeat, "calls": {}}
    for name, fn in calls.items():
        # the old month trend takes seconds: timed once (after its warm-up run)
        results["calls"][name] = timed(
            fn, 1 if "28 days" in name and "old" in name else args.repeat
        )
        print(f"  {name}: {results['calls'][name]['median_ms']} ms", file=sys.stderr, flush=True)
    c = {k: v["median_ms"] for k, v in results["calls"].items()}
    site_calls = c["site figures today"] + c["site figures this week"]
    line_calls = (
        c[f"{len(lines)} lines' figures today"] + c[f"{len(lines)} lines' figures this week"]
    )
    queue = c["stops without a reason"]
    results["views"] = {
        "default view, old page (lines' calls, today hourly)": site_calls
        + line_calls
        + queue
        + c["trend today per hour"]
        + c["Pareto today"],
        "default view, new page (site calls only, today hourly)": site_calls
        + queue
        + c["trend today per hour"]
        + c["Pareto today"],
        "this week daily, old page and old trend": site_calls
        + line_calls
        + queue
        + c["trend this week per day (old: exact)"]
        + c["Pareto this week"],
        "this week daily, new page and rollup trend": site_calls
        + queue
        + c["trend this week per day (rollups)"]
        + c["Pareto this week"],
    }
    db.close()
    engine.dispose()
    print("| call | median ms | best ms |\n|---|---:|---:|")
    for name, r in results["calls"].items():
        print(f"| {name} | {r['median_ms']:,.1f} | {r['best_ms']:,.1f} |")
    print("\n| view (sum of its calls' medians, one after another) | ms |\n|---|---:|")
    for name, total in results["views"].items():
        print(f"| {name} | {total:,.1f} |")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
