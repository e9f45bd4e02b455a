"""Backflush benchmark: count events/s through ingest with backflush on against off.

The same store-and-project path the recorder runs (``write_events`` with the registered
projections, one transaction per batch) is timed twice in the same run, alternating
rounds, on a fresh database per backend: once with every projection, once without the
backflush projection. Each count event is the last station's count for an order's first
step, so with backflush on every event consumes a 5-material BOM from the line side
(two lots per material, first in first out) and posts 5+ movements. The time from the
start of a batch's write to its commit is when stock is correct; its p95 is shown too.
In-process, the same number of events is then run again alternating batch by batch
(off, on, on, off, ...), each side's total time giving a second ratio that a shared
machine's changing load disturbs less than rounds of 1 000 events do, and each side's
CPU time in this thread a third (all of a batch's work on SQLite, the client's part on
PostgreSQL), which the load hardly moves at all.

    python bench/inventory.py            # SQLite and PostgreSQL, 4 000 events per side
    python bench/inventory.py --quick    # SQLite only, 600 events per side
    python bench/inventory.py --events 8000 --rounds 8   # longer, steadier on a busy machine
    python bench/inventory.py --trace 1000000,3000000 --backend sqlite   # traces only

``--trace`` times genealogy traces instead (backward from a finished lot to its reels,
forward from a reel to every finished lot and customer order) over that many
consumption records per size, generated in the database (``bench/genealogy_data.py``),
p50/p95 of 200 traces each way through the same service the API calls, each size's p95
beside the smallest size's as a ratio.

Results go to ``bench/results/inventory.json`` (``inventory_trace_<backend>.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import genealogy_data  # noqa: E402

from linewise.core.db import make_engine, make_session_factory  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.domains.equipment.models import Area, Line, Machine, Site  # noqa: E402
from linewise.domains.inventory import (  # noqa: E402
    genealogy,
    genealogy_service,
    ledger,
    ledger_service,
)
from linewise.domains.inventory.backflush import BackflushProjection  # noqa: E402
from linewise.domains.inventory.models import (  # noqa: E402
    Material,
    StockLocation,
    StockMovement,
)
from linewise.domains.production import service as production  # noqa: E402
from linewise.domains.production.models import (  # noqa: E402
    BomItem,
    CustomerOrder,
    OrderStatus,
    Product,
    RoutingStep,
    RoutingStepLine,
)
from linewise.ingest.events import decode  # noqa: E402
from linewise.ingest.store import References, write_events  # noqa: E402
from linewise.server.projections import ingest_projections, order_references  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get(
    "LINEWISE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BATCH = 50  # events per recorder transaction
T0 = datetime.now(UTC) - timedelta(days=1)  # inside the ingest bound on the past


def seed(engine: Engine) -> str:
    """One line, a product with a 5-material BOM, line-side stock in two lots, an order."""
    sessions = make_session_factory(engine)
    with sessions() as s:
        site = Site(code="B1", name="Bench", timezone="Europe/Berlin")
        area = Area(site=site, code="SMT", name="SMT")
        line = Line(area=area, code="SMT-1", name="SMT 1", type="SMT")
        s.add(Machine(line=line, code="PNP", name="PNP", kind="pnp", position=1))
        product = Product(code="BENCH", name="Bench board")
        product.steps = [
            RoutingStep(
                seq=1,
                name="SMT",
                work_center_type="SMT",
                eligible=[RoutingStepLine(line=line, cycle_time_s=10)],
            ),
            RoutingStep(
                seq=2,
                name="Test",
                work_center_type="SMT",
                eligible=[RoutingStepLine(line=line, cycle_time_s=10)],
            ),
        ]
        materials = [Material(code=f"M{i}", name=f"Part {i}") for i in range(5)]
        s.add_all([site, product, *materials])
        s.flush()
        s.add_all(
            BomItem(product_id=product.id, material_id=m.id, quantity_per_unit=1 + i)
            for i, m in enumerate(materials)
        )
        side = StockLocation(
            site_id=site.id, code="LS", name="Line side", kind="line_side", line_id=line.id
        )
        s.add(side)
        s.flush()
        for m in materials:
            for lot in ("A", "B"):
                ledger_service.receive(
                    s,
                    material_id=m.id,
                    qty=1e7,
                    lot=lot,
                    location_id=side.id,
                    receipt_id=None,
                    at=None,
                    client_ref=None,
                )
        order = production.create_order(
            s,
            {
                "number": "PO-BENCH",
                "product_id": product.id,
                "quantity": 10_000_000,
                "due_date": T0 + timedelta(days=30),
            },
        )
        s.flush()
        order.status = OrderStatus.RELEASED
        s.commit()
        return order.number


def events_for(prefix: str, n: int) -> list[list[Any]]:
    batches = []
    for start in range(0, n, BATCH):
        items = [
            {
                "id": f"{prefix}-{i}",
                "ts": (T0 + timedelta(seconds=i)).isoformat(),
                "machine": "PNP",
                "type": "count",
                "good": 1,
                "reject": 0,
                "order": "PO-BENCH",
                "operation": 1,
            }
            for i in range(start, min(n, start + BATCH))
        ]
        events, rejects = decode(items)
        assert not rejects
        batches.append(events)
    return batches


def run_side(engine: Engine, projections: list[Any], n: int) -> tuple[float, list[float]]:
    refs = References(order_references())
    batches = events_for(uuid.uuid4().hex[:8], n)
    latencies = []
    started = time.perf_counter()
    for events in batches:
        t = time.perf_counter()
        with engine.begin() as conn:
            write_events(conn, refs, events, [], "bench", projections=projections)
        latencies.append(time.perf_counter() - t)
    return n / (time.perf_counter() - started), latencies


def bench(url: str, n: int, rounds: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    on = ingest_projections()
    off = [p for p in on if not isinstance(p, BackflushProjection)]
    rates: dict[str, list[float]] = {"off": [], "on": []}
    lat: dict[str, list[float]] = {"off": [], "on": []}
    run_side(engine, on, BATCH * 4)  # warm-up (caches, first items and locations)
    for _ in range(rounds):
        for name, projections in (("off", off), ("on", on)):
            rate, latencies = run_side(engine, projections, n // rounds)
            rates[name].append(rate)
            lat[name].extend(latencies)
    # The same again, alternating batch by batch (which side goes first swaps each time):
    # on a shared machine the load changes within a round of 1 000 events, so the rounds'
    # ratio wanders; side by side batches see the same load.
    # This thread's CPU time is counted too: on SQLite all of a batch's work is in it, and
    # unlike the elapsed time it hardly moves when other jobs take the cores (on
    # PostgreSQL it leaves out the server's share).
    refs = References(order_references())
    spent = {"off": 0.0, "on": 0.0}
    cpu = {"off": 0.0, "on": 0.0}
    batches = events_for(uuid.uuid4().hex[:8], n * 2)
    for k, events in enumerate(batches):
        name = ("off", "on")[(k + k // 2) % 2]  # off on, on off, off on, ...
        t, c = time.perf_counter(), time.thread_time()
        with engine.begin() as conn:
            write_events(conn, refs, events, [], "bench", projections=off if name == "off" else on)
        spent[name] += time.perf_counter() - t
        cpu[name] += time.thread_time() - c
    with engine.connect() as conn:
        movements = conn.scalar(select(func.count()).select_from(StockMovement))
    engine.dispose()

    def p95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)

    out: dict[str, Any] = {
        name: {
            "events_per_s": statistics.median(rates[name]),
            "batch_commit_p95_ms": p95(lat[name]) * 1000,
        }
        for name in ("off", "on")
    }
    out["ratio_on_to_off"] = out["on"]["events_per_s"] / out["off"]["events_per_s"]
    out["ratio_batch_by_batch"] = spent["off"] / spent["on"]
    out["cpu_ms_per_batch"] = {name: cpu[name] * 1000 / (len(batches) / 2) for name in cpu}
    out["cpu_ratio_batch_by_batch"] = cpu["off"] / cpu["on"]
    out["movements"] = movements
    return out


def trace_size(url: str, links: int, samples: int = 200) -> dict[str, Any]:
    """Generate ``links`` consumption records and time traces both ways."""
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as s:
        product = Product(code="TOP", name="Finished")
        reel = Material(code="REEL", name="Reel")
        sub = Material(code="SUB", name="Sub-assembly")
        customer = CustomerOrder(number="CO-1", customer="Bench")
        s.add_all([product, reel, sub, customer])
        s.flush()
        conn = s.connection()
        items = (
            ledger.item_of_product(conn, product.id),
            ledger.item_of_material(conn, reel.id),
            ledger.item_of_material(conn, sub.id),
        )
        t = time.perf_counter()
        shape = genealogy_data.generate(conn, links, *items, customer.id)
        s.commit()
        generated_s = time.perf_counter() - t
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        rows = conn.scalar(select(func.count()).select_from(genealogy.LINKS))
    rng = random.Random(7)
    out: dict[str, Any] = {"links": rows, "generate_s": generated_s}
    for direction, low, high in (
        ("backward", 1, shape.finished),
        ("forward", shape.reel_base, shape.reel_base + shape.reels - 1),
    ):
        times = []
        reached = []
        for _ in range(samples):
            lot_id = rng.randint(low, high)
            with sessions() as s:
                t = time.perf_counter()
                found = genealogy_service.trace(s, lot_id, direction)
                times.append(time.perf_counter() - t)
                reached.append(found["lots"])
        times.sort()
        out[direction] = {
            "p50_ms": statistics.median(times) * 1000,
            "p95_ms": statistics.quantiles(times, n=20)[-1] * 1000,
            "lots_reached_median": statistics.median(reached),
        }
    engine.dispose()
    return out


def trace_main(sizes: list[int], backends: list[str]) -> None:
    results: dict[str, Any] = {
        "sizes": sizes,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for backend in backends:
        per: dict[str, Any] = {}
        for n in sizes:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    per[str(n)] = trace_size(f"sqlite:///{tmp}/trace.db", n)
            else:
                with _pg_database() as url:
                    per[str(n)] = trace_size(url, n)
        results[backend] = per
    print(f"{'backend':<12}{'records':>10}{'gen s':>8}{'back p50':>10}{'p95 ms':>8}"
          f"{'fwd p50':>9}{'p95 ms':>8}{'p95 / smallest':>16}")  # fmt: skip
    for backend in ("sqlite", "postgresql"):
        per = results.get(backend)
        if not per:
            continue
        base = per[str(sizes[0])]
        for n in sizes:
            r = per[str(n)]
            ratio = max(
                r["backward"]["p95_ms"] / base["backward"]["p95_ms"],
                r["forward"]["p95_ms"] / base["forward"]["p95_ms"],
            )
            r["p95_ratio_to_smallest"] = ratio
            print(f"{backend:<12}{r['links']:>10}{r['generate_s']:>8.1f}"
                  f"{r['backward']['p50_ms']:>10.1f}{r['backward']['p95_ms']:>8.1f}"
                  f"{r['forward']['p50_ms']:>9.1f}{r['forward']['p95_ms']:>8.1f}"
                  f"{ratio:>16.2f}")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"inventory_trace_{'_'.join(backends)}.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )


@contextlib.contextmanager
def _database(backend: str) -> Iterator[str]:
    """A fresh, empty database of that backend for one measurement."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    with _pg_database() as url:
        yield url


@contextlib.contextmanager
def _pg_database() -> Iterator[str]:
    name = f"lw_bench_inv_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_http(url: str, n: int, rounds: int, devices: int = 4) -> dict[str, Any]:
    """The same comparison through ingest as a gateway uses it: ``POST /api/v1/ingest``
    over HTTP to the real app under uvicorn, ``devices`` posting batches of ``BATCH`` at
    once; the recorder's projections switched between rounds (backflush on or off)."""
    import socket
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import uvicorn

    from linewise.config import Settings
    from linewise.domains.accounts.models import ApiKeyScope
    from linewise.domains.accounts.service import create_api_key
    from linewise.server.app import create_app

    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    with make_session_factory(engine)() as s:
        _key, token = create_api_key(s, name="bench", scope=ApiKeyScope.DEVICE, role=None)
        s.commit()
    settings = Settings(
        database_url=url, jobs_workers=0, backup_dir="", rate_limit_device_per_minute=0,
        log_format="text", audit_checkpoint=Path(tempfile.mkdtemp()) / "audit.json",
    )  # fmt: skip
    app = create_app(settings, engine)
    recorder = app.state.recorder
    on = list(recorder.projections)
    off = [p for p in on if not isinstance(p, BackflushProjection)]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.Client(base_url=base, headers=headers, timeout=60) for _ in range(devices)]
    while True:
        try:
            if clients[0].get("/health").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)

    def bodies(prefix: str, count: int) -> list[list[dict[str, Any]]]:
        out = []
        for start in range(0, count, BATCH):
            out.append([
                {"id": f"{prefix}-{i}", "ts": (T0 + timedelta(seconds=i)).isoformat(),
                 "machine": "PNP", "type": "count", "good": 1, "reject": 0,
                 "order": "PO-BENCH", "operation": 1}
                for i in range(start, min(count, start + BATCH))
            ])  # fmt: skip
        return out

    def side(projections: list[Any], count: int) -> tuple[float, list[float]]:
        recorder.projections = projections
        batches = bodies(uuid.uuid4().hex[:8], count)
        latencies: list[float] = []

        def device(k: int) -> None:
            for body in batches[k::devices]:
                t = time.perf_counter()
                r = clients[k].post("/ingest", json=body)
                assert r.status_code == 200 and r.json()["accepted"] == len(body), r.text
                latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        with ThreadPoolExecutor(devices) as pool:
            list(pool.map(device, range(devices)))
        return count / (time.perf_counter() - started), latencies

    rates: dict[str, list[float]] = {"off": [], "on": []}
    lat: dict[str, list[float]] = {"off": [], "on": []}
    try:
        side(on, BATCH * 8)  # warm-up
        for _ in range(rounds):
            for name, projections in (("off", off), ("on", on)):
                rate, latencies = side(projections, n // rounds)
                rates[name].append(rate)
                lat[name].extend(latencies)
    finally:
        for c in clients:
            c.close()
        server.should_exit = True
        thread.join(10)
        engine.dispose()
    out: dict[str, Any] = {
        name: {
            "events_per_s": statistics.median(rates[name]),
            "request_p95_ms": statistics.quantiles(lat[name], n=20)[-1] * 1000,
        }
        for name in ("off", "on")
    }
    out["ratio_on_to_off"] = out["on"]["events_per_s"] / out["off"]["events_per_s"]
    out["devices"] = devices
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--trace", help="comma-separated numbers of consumption records")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, help="events per side (default 4000)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 4)")
    args = parser.parse_args()
    if args.trace:
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        trace_main([int(x) for x in args.trace.split(",")], backends)
        return
    n, rounds = (600, 2) if args.quick else (4000, 4)
    n, rounds = args.events or n, args.rounds or rounds
    results: dict[str, Any] = {
        "events_per_side": n,
        "rounds": rounds,
        "load_average_before": os.getloadavg(),
        "batch": BATCH,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "python": platform.python_version(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    backends = ["sqlite"] if args.quick else ["sqlite", "postgresql"]
    if args.backend != "both":
        backends = [args.backend]
    for backend in backends:
        with _database(backend) as url:
            results[backend] = bench(url, n, rounds)
        with _database(backend) as url:
            results[f"{backend}_http"] = bench_http(url, n, rounds)
    print(
        f"{'path':<24}{'off ev/s':>10}{'on ev/s':>10}{'on/off':>8}"
        f"{'p95 off ms':>12}{'p95 on ms':>11}{'batch by batch':>16}"
        f"{'CPU ms/batch off / on':>24}{'CPU ratio':>11}"
    )
    for backend in backends:
        for key, label, p95 in ((backend, "in-process", "batch_commit_p95_ms"),
                                (f"{backend}_http", "HTTP ingest", "request_p95_ms")):  # fmt: skip
            r = results[key]
            by_batch = r.get("ratio_batch_by_batch")
            cpu = r.get("cpu_ms_per_batch")
            cpu_text = "" if cpu is None else f"{cpu['off']:.2f} / {cpu['on']:.2f}"
            cpu_ratio = r.get("cpu_ratio_batch_by_batch")
            print(
                f"{backend + ' ' + label:<24}{r['off']['events_per_s']:>10.0f}"
                f"{r['on']['events_per_s']:>10.0f}{r['ratio_on_to_off']:>8.2f}"
                f"{r['off'][p95]:>12.1f}{r['on'][p95]:>11.1f}"
                f"{'' if by_batch is None else f'{by_batch:.2f}':>16}"
                f"{cpu_text:>24}"
                f"{'' if cpu_ratio is None else f'{cpu_ratio:.2f}':>11}"
            )
    results["load_average_after"] = os.getloadavg()
    print("load average (1, 5, 15 min) before:", results["load_average_before"],
          "after:", results["load_average_after"])  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "inventory.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
