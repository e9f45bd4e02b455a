"""What the KPI page asks the server, timed on the demo factory: new trend against the old.

The page's default view makes these calls (through the services the routes call, on one
session): the site's figures for today and this week, each line's figures for today and
this week, the trend (today per hour, or this week per day), the downtime Pareto and the
queue of stops without a reason. The week's and the last 28 days' trends are timed twice
in the same run: per day from the day rollups (the new path) and from every interval of
the window in one pass (the old path, ``trend_exact``), the baseline. The page itself no
longer asks for each line's figures (the site's answer carries them); the lines' calls
are timed still, as the old page made them.

With ``--browser``, the page itself is timed too, as the browser loads it: the database
is served (``linewise serve`` on a free port; no live feed; no MFA, as in the demo; no
rate limit), a manager signs in in Chromium, and the KPI page is loaded ``--repeat``
times (after one warm-up load) for its default view (today) and for this week. Two
figures per load: the page ready (navigation start to the moment the site summary, the
line cards, the trend and the Pareto are drawn with no spinner left, checked on every
animation frame), and the KPI calls (the first KPI request's start to the last one's
answer, from the browser's resource timing).

    linewise demo --history-days 28     # into LINEWISE_DATABASE_URL, once (about 70 s)
    python bench/kpi_page.py --db sqlite:///demo.db [--repeat 5] [--browser]

Prints a table and writes bench/results/kpi_page.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from serving import free_port, wait_up
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


BROWSER_VIEWS = {"default view (today)": "/kpis", "this week": "/kpis?period=this-week"}
# The page is drawn: the site summary, the line cards, the trend and the Pareto, and no
# spinner left in the page (the trend and the Pareto show one while they load).
READY_JS = """() => {
  const main = document.querySelector("main");
  if (!main || !main.querySelector("[data-testid=site-summary]")) return false;
  if (!main.querySelector("[data-testid=line-card]")) return false;
  if (!main.querySelector("[data-testid=pareto]")) return false;
  if (!main.querySelector("#trend-h") || main.querySelector(".state[role=status]")) return false;
  return performance.now();
}"""
# Resource timing of the KPI calls this load made (the page's own data, not the shell's).
KPI_CALLS_JS = """() => performance.getEntriesByType("resource")
  .filter((e) => /\\/api\\/v1\\/(kpi|downtime)/.test(e.name))
  .map((e) => [e.name, e.startTime, e.responseEnd])"""
DEMO_PASSWORD = "linewise-demo"  # the demo users' password (linewise.demo.load.DEMO_PASSWORD)


def _summary(runs: list[float]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(runs), 1),
        "best_ms": round(min(runs), 1),
        "worst_ms": round(max(runs), 1),
        "runs_ms": [round(r, 1) for r in runs],
    }


def browser_views(db_url: str, chromium: str, repeat: int) -> dict[str, Any]:
    """Serve ``db_url`` and load the KPI page in Chromium: ready and KPI-call times."""
    from playwright.sync_api import expect, sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="linewise-kpi-page-"))
    port = free_port()
    env = {
        **os.environ,
        "LINEWISE_DATABASE_URL": db_url,
        "LINEWISE_AUDIT_CHECKPOINT": str(workdir / "audit-checkpoint.json"),
        # the demo users sign in with the password alone, as `linewise demo --serve` allows
        "LINEWISE_MFA_REQUIRED_ROLES": "",
        # a load makes about 15 calls: a dozen loads a minute would meet the per-user limit
        "LINEWISE_RATE_LIMIT_PER_MINUTE": "0",
    }
    cli = [sys.executable, "-m", "linewise.cli.main", "serve", "--port", str(port)]
    server = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        wait_up(base, server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(
                viewport={"width": 1440, "height": 900},
                locale="en-US",
                timezone_id="Europe/Berlin",
            )
            page = context.new_page()
            page.goto(base + "/")
            page.get_by_label("Username").fill("manager")
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_test_id("current-user")).to_be_visible()
            for name, path in BROWSER_VIEWS.items():
                ready: list[float] = []
                calls: list[float] = []
                count = 0
                for i in range(repeat + 1):  # the first load warms the caches
                    page.goto("about:blank")
                    page.goto(base + path, wait_until="commit")
                    try:
                        done = page.wait_for_function(READY_JS, polling="raf", timeout=60_000)
                    except Exception:  # say what the page showed instead (an error?)
                        shown = page.locator("main").inner_text()[:2000]
                        print(f"{name}: not ready at {page.url}:\n{shown}", file=sys.stderr)
                        raise
                    ready_ms = float(done.json_value())
                    entries = page.evaluate(KPI_CALLS_JS)
                    if not entries:
                        raise SystemExit(f"{name}: the page made no KPI call")
                    span = max(e[2] for e in entries) - min(e[1] for e in entries)
                    if i == 0:
                        continue
                    ready.append(ready_ms)
                    calls.append(span)
                    count = len(entries)
                out[name] = {
                    "page_ready": _summary(ready),
                    "kpi_calls": _summary(calls),
                    "kpi_call_count": count,
                }
                print(
                    f"  browser, {name}: ready {out[name]['page_ready']['median_ms']} ms,"
                    f" KPI calls {out[name]['kpi_calls']['median_ms']} ms ({count} calls)",
                    file=sys.stderr,
                    flush=True,
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL of a loaded demo")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--browser", action="store_true", help="also time the page as Chromium loads it"
    )
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
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
    if args.browser:
        results["browser"] = browser_views(args.db, args.chromium, args.repeat)
        print(
            "\n| in the browser | page ready, median (best–worst) ms"
            " | KPI calls, median (best–worst) ms | calls |\n|---|---:|---:|---:|"
        )
        for name, r in results["browser"].items():
            ready, span = r["page_ready"], r["kpi_calls"]
            print(
                f"| {name} | {ready['median_ms']:,.0f} ({ready['best_ms']:,.0f}–"
                f"{ready['worst_ms']:,.0f}) | {span['median_ms']:,.0f} ({span['best_ms']:,.0f}–"
                f"{span['worst_ms']:,.0f}) | {r['kpi_call_count']} |"
            )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
