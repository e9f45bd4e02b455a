"""KPI query benchmark: a year of synthetic machine data, timed on SQLite and PostgreSQL.

Generates state intervals and count events for N machines (bulk-inserted with the raw
driver: executemany on SQLite, COPY on PostgreSQL), then times through the service:
OEE of one machine-day, site OEE over a month, the downtime Pareto over a quarter, a
quarter with ragged edges and "this month" at 14:30 on its last day (the open day),
once on the exact path and then from the day rollups (after the refresher filled every
closed day, whose time is reported too). It also measures ingest throughput (decode +
write_events) with and without the rollup stale marks.

    python bench/kpi.py --quick            # a few machines and months, seconds
    python bench/kpi.py                    # 300 machines x 1 year (minutes)
    python bench/kpi.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/kpi.py --keep DIR         # keep the data (DIR/kpi.db, PG lw_bench_keep)
                                           # and reuse it on the next run: timings only

Writes bench/results/kpi.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from linewise.core.db import make_engine
from linewise.core.migrate import upgrade
from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.people.models import ShiftCalendar, ShiftPattern
from linewise.domains.performance import rollups
from linewise.domains.performance.pareto import pareto_of
from linewise.domains.performance.service import compute, resolve_scope
from linewise.domains.performance.windows import ResolvedWindow
from linewise.ingest import store
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.kpi import Convention, ParetoMeasure, TimeWindow, site_date_of, site_day
from linewise.server.projections import ingest_projections, order_references

PROJECTIONS = ingest_projections()

RESULTS = Path(__file__).parent / "results" / "kpi.json"
DEFAULT_PG = os.environ.get(
    "LINEWISE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TZ = "Europe/Berlin"
PRODUCTS = (("P-A", 30.0), ("P-B", 45.0), ("P-C", 60.0))
DOWN_REASONS = ("nozzle_jam", "feeder_error", "material_late", None, None)
MACHINES_PER_LINE = 10


def load_master(engine: Engine, machines: int) -> list[int]:
    """Site, areas, lines of 10 machines, a 2-shift calendar and three products."""
    from linewise.domains.production.models import Product, RoutingStep, RoutingStepLine

    with Session(engine) as db:
        site = Site(code="B1", name="Bench plant", timezone=TZ)
        lines = []
        areas: list[Area] = []
        for i in range((machines + MACHINES_PER_LINE - 1) // MACHINES_PER_LINE):
            if i % 6 == 0:
                areas.append(Area(site=site, code=f"A{i // 6}", name=f"Area {i // 6}"))
            line = Line(area=areas[-1], code=f"L{i:03d}", name=f"Line {i}", type="SMT")
            lines.append(line)
        made = []
        for n in range(machines):
            made.append(
                Machine(
                    line=lines[n // MACHINES_PER_LINE],
                    code=f"M{n:04d}",
                    name=f"Machine {n}",
                    kind="pnp",
                    position=n % MACHINES_PER_LINE,
                    speed_factor=1.0,
                )
            )
        db.add_all([site, *made])
        db.flush()
        cal = ShiftCalendar(code="CAL", name="Two shifts", site_id=site.id)
        cal.patterns = [
            ShiftPattern(code="A", name="Early", start="06:00", end="14:00",
                         weekdays=[0, 1, 2, 3, 4], breaks=[{"start": "10:00", "minutes": 30}]),
            ShiftPattern(code="B", name="Late", start="14:00", end="22:00",
                         weekdays=[0, 1, 2, 3, 4], breaks=[{"start": "18:00", "minutes": 30}]),
        ]  # fmt: skip
        db.add(cal)
        for code, cycle in PRODUCTS:
            product = Product(code=code, name=code, family="f")
            product.steps = [
                RoutingStep(
                    seq=1,
                    name="SMT",
                    work_center_type="SMT",
                    eligible=[RoutingStepLine(line=ln, cycle_time_s=cycle) for ln in lines],
                )
            ]
            db.add(product)
        db.commit()
        return [m.id for m in made]


def synthetic(
    machine_id: int, start: datetime, days: int, rng: random.Random, product_ids: list[int]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Intervals (machine, start, end, state, reason, fault) and hourly count events."""
    end = start + timedelta(days=days)
    t = start
    intervals: list[tuple[Any, ...]] = []
    counts: list[tuple[Any, ...]] = []
    while t < end:
        roll = rng.random()
        if roll < 0.62:
            state, reason, minutes = "producing", None, rng.expovariate(1 / 40)
        elif roll < 0.80:
            state, reason, minutes = "down", rng.choice(DOWN_REASONS), rng.expovariate(1 / 8)
        elif roll < 0.92:
            state, reason, minutes = "idle", "starved", rng.expovariate(1 / 10)
        else:
            state, reason, minutes = "setup", None, rng.expovariate(1 / 20)
        nxt = min(end, t + timedelta(seconds=max(5, int(minutes * 60))))
        intervals.append((machine_id, t, nxt, state, reason, None))
        t = nxt
    hour = start
    n = 0
    while hour < end:
        n += 1
        good = rng.randint(40, 110)
        counts.append(
            (machine_id, f"c{n}", hour + timedelta(minutes=59), good, rng.randint(0, 3),
             rng.randint(0, 2), rng.choice(product_ids))
        )  # fmt: skip
        hour += timedelta(hours=1)
    return intervals, counts


def _sqlite_ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def bulk_insert(engine: Engine, rows: Iterator[tuple[list[Any], list[Any]]]) -> tuple[int, int]:
    n_int = n_cnt = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for intervals, counts in rows:
            n_int += len(intervals)
            n_cnt += len(counts)
            if engine.dialect.name == "sqlite":
                cur.executemany(
                    'INSERT INTO state_intervals (machine_id, start, "end", state, reason, fault)'
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [(m, _sqlite_ts(a), _sqlite_ts(b), s, r, f) for m, a, b, s, r, f in intervals],
                )
                cur.executemany(
                    "INSERT INTO count_events (machine_id, event_id, ts, good, reject, rework,"
                    " product_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(m, e, _sqlite_ts(t), g, r, w, p) for m, e, t, g, r, w, p in counts],
                )
            else:
                with cur.copy(  # type: ignore[attr-defined]
                    'COPY state_intervals (machine_id, start, "end", state, reason, fault)'
                    " FROM STDIN"
                ) as copy:
                    for row in intervals:
                        copy.write_row(row)
                with cur.copy(  # type: ignore[attr-defined]
                    "COPY count_events (machine_id, event_id, ts, good, reject, rework,"
                    " product_id) FROM STDIN"
                ) as copy:
                    for row in counts:
                        copy.write_row(row)
            raw.commit()
        if engine.dialect.name == "postgresql":
            cur.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()
    return n_int, n_cnt


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(runs), "min_ms": min(runs), "max_ms": max(runs)}


def ingest_rate(
    engine: Engine, machine_codes: list[str], start: datetime, events: int, prefix: str
) -> float:
    """decode + write_events throughput (events/s) in batches of 1000, fresh event ids."""
    rng = random.Random(5)
    items: list[dict[str, Any]] = []
    t = start
    states = ("producing", "down", "idle", "setup")
    for i in range(events):
        t += timedelta(seconds=rng.randint(1, 30))
        machine = rng.choice(machine_codes)
        stamp = t.isoformat()
        if i % 3:
            items.append({"id": f"{prefix}{i}", "ts": stamp, "machine": machine, "type": "state",
                          "state": rng.choice(states)})  # fmt: skip
        else:
            items.append({"id": f"{prefix}{i}", "ts": stamp, "machine": machine, "type": "count",
                          "good": 3, "reject": 0, "product": "P-A"})  # fmt: skip
    refs = References(order_references())
    t0 = time.perf_counter()
    for i in range(0, len(items), 1000):
        decoded, rejects = decode(items[i : i + 1000], now=t + timedelta(days=1))
        with engine.begin() as conn:
            write_events(conn, refs, decoded, rejects, "bench", projections=PROJECTIONS)
    return events / (time.perf_counter() - t0)


def _as_utc(value: Any) -> datetime:
    """A raw timestamp column value (SQLite: text, naive UTC; PostgreSQL: aware)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _no_marks(conn: Any, touched: dict[int, datetime]) -> None:
    """Stand-in for the stale-mark upsert, to measure ingest without it."""


def generated(engine: Engine) -> list[int] | None:
    """The machine ids of a kept data set, or None when there is none yet."""
    with engine.connect() as conn:
        if not conn.execute(text("SELECT count(*) FROM sites")).scalar():
            return None
        return [r[0] for r in conn.execute(text("SELECT id FROM machines ORDER BY id"))]


def run_backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    start = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=1)
    kept = generated(engine) if args.keep else None
    if kept is None:
        ids = load_master(engine, args.machines)
        with engine.connect() as conn:
            product_ids = [r[0] for r in conn.execute(text("SELECT id FROM products ORDER BY id"))]
        rng = random.Random(1)
        t0 = time.perf_counter()
        n_int, n_cnt = bulk_insert(
            engine, (synthetic(m, start, args.days, rng, product_ids) for m in ids)
        )
        load_s = time.perf_counter() - t0
        print(f"[{name}] {n_int} intervals, {n_cnt} counts loaded in {load_s:.1f} s", flush=True)
    else:
        ids, load_s = kept, 0.0
        with engine.connect() as conn:
            n_int = int(conn.execute(text("SELECT count(*) FROM state_intervals")).scalar() or 0)
            n_cnt = int(conn.execute(text("SELECT count(*) FROM count_events")).scalar() or 0)
        print(f"[{name}] reusing {n_int} intervals, {n_cnt} counts", flush=True)
    now = start + timedelta(days=args.days)
    db = Session(engine)
    site_id = db.scalar(text("SELECT id FROM sites"))
    day = date(2025, 3, 4)
    day_window = site_day(TZ, day)
    month = TimeWindow(site_day(TZ, date(2025, 2, 1)).start, site_day(TZ, date(2025, 3, 1)).start)
    quarter = TimeWindow(site_day(TZ, date(2025, 1, 1)).start, site_day(TZ, date(2025, 4, 1)).start)
    if args.days < 95:
        month = TimeWindow(start + timedelta(hours=1), start + timedelta(days=min(30, args.days)))
        quarter = TimeWindow(start + timedelta(hours=1), now)
        day = date(2025, 1, 7)
        day_window = site_day(TZ, day)
    machine_scope = resolve_scope(db, "machine", ids[0], None)
    site_scope = resolve_scope(db, "site", site_id, None)
    results: dict[str, Any] = {"intervals": n_int, "counts": n_cnt, "load_s": round(load_s, 1)}
    iso = Convention.ISO_22400
    results["machine_day_oee_exact"] = timed(
        lambda: compute(db, machine_scope, day_window, iso, now, use_rollups=False), args.repeat
    )
    results["site_month_oee_exact"] = timed(
        lambda: compute(db, site_scope, month, iso, now, use_rollups=False), 1
    )
    t0 = time.perf_counter()
    rollups.refresh(db, site_scope.machines, site_scope.calendars, start.date(), now)
    results["rollup_refresh_s"] = round(time.perf_counter() - t0, 1)
    results["rollup_machine_days"] = db.scalar(text("SELECT count(*) FROM kpi_machine_days"))
    results["rollup_stop_rows"] = db.scalar(text("SELECT count(*) FROM kpi_stop_days"))
    print(f"[{name}] rollups filled in {results['rollup_refresh_s']} s", flush=True)
    results["machine_day_oee"] = timed(
        lambda: compute(db, machine_scope, day_window, iso, now), args.repeat
    )
    results["site_month_oee"] = timed(lambda: compute(db, site_scope, month, iso, now), args.repeat)
    resolved = ResolvedWindow(quarter, "range", quarter.label())
    results["site_quarter_pareto"] = timed(
        lambda: pareto_of(
            db, site_scope, resolved, "reason", ParetoMeasure.DURATION, True, False, now
        ),
        args.repeat,
    )
    ragged = TimeWindow(quarter.start + timedelta(hours=7), quarter.end - timedelta(hours=5))
    results["site_quarter_oee_ragged_edges"] = timed(
        lambda: compute(db, site_scope, ragged, iso, now), args.repeat
    )
    # "This month" at 14:30 on the last day: the open current day is computed exactly.
    midday = now - timedelta(hours=9, minutes=30)
    to_date = TimeWindow(site_day(TZ, site_date_of(TZ, midday).replace(day=1)).start, midday)
    results["site_month_to_date_oee"] = timed(
        lambda: compute(db, site_scope, to_date, iso, midday), args.repeat
    )
    codes = [r[0] for r in db.execute(text("SELECT code FROM machines ORDER BY id"))]
    # After everything stored so far (a reused data set holds the last run's ingest too):
    # the rates are for new events, not for late ones that rebuild intervals.
    after = max(now, _as_utc(db.scalar(text('SELECT max("end") FROM state_intervals'))))
    db.close()
    # Interleaved, best of two each: the first batches of a run also warm caches.
    marking = store.mark_rollups_stale
    rates: dict[bool, list[float]] = {False: [], True: []}
    run = uuid.uuid4().hex[:6]  # fresh event ids when the data set is reused
    for round_ in range(4):
        with_marks = round_ % 2 == 1
        store.mark_rollups_stale = marking if with_marks else _no_marks
        try:
            start_at = after + timedelta(days=1 + 30 * round_)
            rates[with_marks].append(
                ingest_rate(engine, codes[:20], start_at, args.ingest_events, f"{run}r{round_}-")
            )
        finally:
            store.mark_rollups_stale = marking
    results["ingest_events_per_s_without_rollups"] = round(max(rates[False]))
    results["ingest_events_per_s_with_rollups"] = round(max(rates[True]))
    engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 machines, 2 months")
    parser.add_argument("--machines", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ingest-events", type=int, default=20_000)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin URL ('' to skip)")
    parser.add_argument("--keep", default="", metavar="DIR", help="keep and reuse the data")
    args = parser.parse_args()
    if args.quick:
        args.machines, args.days, args.repeat, args.ingest_events = 5, 60, 3, 3000
    out: dict[str, Any] = {
        "machines": args.machines,
        "days": args.days,
        "python": sys.version.split()[0],
        "backends": {},
    }
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        path = Path(args.keep).resolve() / "kpi.db"
        out["backends"]["sqlite"] = run_backend("sqlite", f"sqlite:///{path}", args)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out["backends"]["sqlite"] = run_backend("sqlite", f"sqlite:///{tmp}/bench.db", args)
    if args.pg:
        name = "lw_bench_keep" if args.keep else f"lw_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # report and carry on with SQLite only
            print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        else:
            try:
                url = args.pg.rsplit("/", 1)[0] + f"/{name}"
                out["backends"]["postgresql"] = run_backend("postgresql", url, args)
            finally:
                if not args.keep:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"\n{'query':<36}" + "".join(f"{b:>14}" for b in out["backends"]))
    keys: tuple[str, ...] = ("machine_day_oee_exact", "site_month_oee_exact", "machine_day_oee")
    keys += ("site_month_oee", "site_quarter_pareto", "site_quarter_oee_ragged_edges")
    keys += ("site_month_to_date_oee",)
    for key in keys:
        row = "".join(f"{r[key]['median_ms']:>11.0f} ms" for r in out["backends"].values())
        print(f"{key:<36}{row}")
    for key in (
        "ingest_events_per_s_without_rollups",
        "ingest_events_per_s_with_rollups",
        "rollup_refresh_s",
        "rollup_machine_days",
    ):
        print(f"{key:<36}" + "".join(f"{r[key]:>14}" for r in out["backends"].values()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
