"""API load benchmark: p50/p95/p99 latency, requests/s and errors at 50, 200, 500 users.

Simulated users of the web UI, each on its own connection: a user asks for one of the
UI's read calls (the floor, the orders list, an order's detail, a line's KPIs, the
schedule's plan list and Gantt), thinks for 1-3 s, and asks again. The demo factory is
loaded into a fresh database for each backend and served by a real `linewise serve`.

Beside the figures, the same load generator runs against a bare FastAPI/uvicorn app (one
sync endpoint answering a small JSON, so through the same thread pool) in the same run:
its requests/s and latency are the framework's ceiling on this machine, and the ratio
says what Linewise costs on top of it.

    python bench/api_load.py                     # SQLite and PostgreSQL, 12 s per level
    python bench/api_load.py --quick             # smoke run: 50 users for 4 s, SQLite only
    python bench/api_load.py --users 50 --duration 20 --databases postgresql

Results go to ``bench/results/api_load.json``. The load generator runs in this process
on the same machine as the server; on a small machine it takes a share of the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get(
    "LINEWISE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEMO_PASSWORD = "linewise-demo"
THINK_S = (1.0, 3.0)
REQUEST_TIMEOUT_S = 30.0
WARMUP_S = 2.0

# The UI's read calls and how often a user makes each (weights).
MIX = {"floor": 25, "orders": 25, "order": 20, "kpi": 15, "plans": 5, "gantt": 10}

BARE_APP = textwrap.dedent(
    """
    import sys, uvicorn
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/api/v1/ping")
    def ping() -> dict[str, object]:
        return {"status": "ok", "items": list(range(20))}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
    """
)


# --- servers ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """A server subprocess that answers ``health_path`` before it is used."""

    def __init__(self, args: list[str], port: int, health_path: str, env: dict[str, str]):
        self.args, self.port, self.health_path = args, port, health_path
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Process:
        self.proc = subprocess.Popen(
            self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + self.health_path, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.args} did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def linewise_server(url: str) -> Process:
    port = free_port()
    return Process(
        [sys.executable, "-m", "linewise.cli.main", "serve", "--no-upgrade"],
        port,
        "/api/v1/health",
        {"LINEWISE_DATABASE_URL": url, "LINEWISE_PORT": str(port)},
    )


def bare_server() -> Process:
    port = free_port()
    return Process([sys.executable, "-c", BARE_APP, str(port)], port, "/api/v1/ping", {})


def prepare(url: str) -> None:
    """A migrated database with the demo factory (40 open orders, one user per role)."""
    subprocess.run(
        [sys.executable, "-m", "linewise.cli.main", "demo"],
        env={**os.environ, "LINEWISE_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )


def make_database(kind: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    name = f"linewise_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


# --- the simulated users ---------------------------------------------------------------


@dataclass
class Targets:
    """What the calls point at: ids read from the served factory."""

    order_ids: list[int]
    line_ids: list[int]
    plan_id: int | None

    def path(self, call: str, rnd: random.Random) -> str:
        if call == "floor":
            return "/api/v1/floor"
        if call == "orders":
            return "/api/v1/orders?limit=50"
        if call == "order":
            return f"/api/v1/orders/{rnd.choice(self.order_ids)}"
        if call == "kpi":
            return f"/api/v1/kpi/line/{rnd.choice(self.line_ids)}"
        if call == "gantt" and self.plan_id is not None:
            return f"/api/v1/plans/{self.plan_id}"
        return "/api/v1/plans?limit=30"


def sign_in(base: str) -> tuple[httpx.Cookies, Targets]:
    """Sign in as the planner; run one short schedule so that a Gantt can be read."""
    with httpx.Client(base_url=base + "/api/v1", timeout=60) as http:
        r = http.post("/auth/login", json={"username": "planner", "password": DEMO_PASSWORD})
        r.raise_for_status()
        http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        orders = [o["id"] for o in http.get("/orders", params={"limit": 100}).json()["items"]]
        lines = [line["id"] for line in http.get("/lines").json()["items"]]
        plan_id = _one_plan(http)
        return http.cookies, Targets(orders, lines, plan_id)


def _one_plan(http: httpx.Client) -> int | None:
    r = http.post("/schedules", json={"time_limit_s": 5, "num_workers": 1})
    if r.status_code >= 300:
        print(f"  (no schedule: {r.status_code} {r.text[:120]}; the Gantt call reads plans)")
        return None
    run_id = r.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = http.get(f"/schedules/{run_id}").json()
        if run.get("plan_id"):
            return int(run["plan_id"])
        if run["status"] in ("failed", "cancelled"):
            break
        time.sleep(1)
    print("  (the schedule gave no plan in time; the Gantt call reads plans)")
    return None


@dataclass
class Level:
    users: int
    latencies: list[float] = field(default_factory=list)
    by_call: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def run_level(
    base: str,
    users: int,
    duration: float,
    choose: Callable[[random.Random], tuple[str, str]],
    cookies: httpx.Cookies | None = None,
    think: tuple[float, float] = THINK_S,
) -> Level:
    return asyncio.run(_run_level(base, users, duration, choose, cookies, think))


async def _run_level(
    base: str,
    users: int,
    duration: float,
    choose: Callable[[random.Random], tuple[str, str]],
    cookies: httpx.Cookies | None,
    think: tuple[float, float],
) -> Level:
    level = Level(users)
    limits = httpx.Limits(max_connections=users + 10, max_keepalive_connections=users + 10)
    started = time.monotonic()
    measure_from = started + WARMUP_S
    stop = measure_from + duration

    async def user(k: int, http: httpx.AsyncClient) -> None:
        rnd = random.Random(k)
        await asyncio.sleep(rnd.uniform(0, think[1]))  # users arrive spread out
        while time.monotonic() < stop:
            call, path = choose(rnd)
            t0 = time.monotonic()
            try:
                r = await http.get(path)
                error = None if r.status_code < 400 else str(r.status_code)
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            t1 = time.monotonic()
            # Every request started in the window counts, however late it ends: a
            # saturated server must not look faster by dropping its slowest answers.
            if t0 >= measure_from:
                level.latencies.append(t1 - t0)
                level.by_call.setdefault(call, []).append(t1 - t0)
                if error:
                    level.errors[error] += 1
            await asyncio.sleep(rnd.uniform(*think))

    async with httpx.AsyncClient(
        base_url=base, timeout=REQUEST_TIMEOUT_S, cookies=cookies, limits=limits
    ) as http:
        await asyncio.gather(*(user(k, http) for k in range(users)))
    level.seconds = duration
    return level


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(level: Level) -> dict[str, Any]:
    n = len(level.latencies)
    return {
        "users": level.users,
        "requests": n,
        "rps": round(n / level.seconds, 1),
        "p50_ms": round(pct(level.latencies, 0.50) * 1000, 1),
        "p95_ms": round(pct(level.latencies, 0.95) * 1000, 1),
        "p99_ms": round(pct(level.latencies, 0.99) * 1000, 1),
        "errors": sum(level.errors.values()),
        "error_kinds": dict(level.errors),
        "p95_ms_by_call": {
            call: round(pct(values, 0.95) * 1000, 1)
            for call, values in sorted(level.by_call.items())
        },
    }


def linewise_choice(targets: Targets) -> Callable[[random.Random], tuple[str, str]]:
    calls, weights = list(MIX), list(MIX.values())

    def choose(rnd: random.Random) -> tuple[str, str]:
        call = rnd.choices(calls, weights)[0]
        return call, targets.path(call, rnd)

    return choose


def health_ms(base: str) -> float | None:
    """How long /health takes right after a level (None: no answer within 10 s)."""
    started = time.monotonic()
    try:
        ok = httpx.get(base + "/api/v1/health", timeout=10).status_code == 200
    except httpx.HTTPError:
        ok = False
    return round((time.monotonic() - started) * 1000, 1) if ok else None


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 users for 4 s, SQLite only")
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--duration", type=float, default=12.0, help="measured seconds per level")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--out", default=str(RESULTS / "api_load.json"))
    args = parser.parse_args()
    if args.quick:
        args.duration, args.databases, args.users = 4.0, ["sqlite"], [50]

    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": loadavg(),
        },
        "mix": MIX,
        "think_s": THINK_S,
        "duration_s": args.duration,
        "bare": [],
        "databases": {},
    }
    print(f"load average at start: {loadavg()} on {os.cpu_count()} CPUs")

    def ping(_rnd: random.Random) -> tuple[str, str]:
        return "ping", "/api/v1/ping"

    with bare_server() as bare:
        for users in args.users:
            level = run_level(bare.base, users, args.duration, ping)
            report["bare"].append({**summary(level), "load_average": loadavg()})
        # The framework's ceiling: 64 connections asking without pause.
        level = run_level(bare.base, 64, args.duration, ping, think=(0.0, 0.0))
        report["bare_ceiling"] = {**summary(level), "load_average": loadavg()}

    for kind in args.databases:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = make_database(kind, Path(tmp))
            try:
                print(f"{kind}: loading the demo factory ...")
                prepare(url)
                with linewise_server(url) as server:
                    cookies, targets = sign_in(server.base)
                    rows = []
                    for users in args.users:
                        level = run_level(
                            server.base, users, args.duration, linewise_choice(targets), cookies
                        )
                        rows.append(
                            {
                                **summary(level),
                                "load_average": loadavg(),
                                "health_after_ms": health_ms(server.base),
                            }
                        )
                    report["databases"][kind] = {
                        "levels": rows,
                        "gantt": targets.plan_id is not None,
                    }
            finally:
                drop()

    print_table(report)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out}")


def print_table(report: dict[str, Any]) -> None:
    bare = {row["users"]: row for row in report["bare"]}
    top = report["bare_ceiling"]
    print(
        f"\nbare FastAPI/uvicorn ceiling (64 connections, no think time): {top['rps']} req/s, "
        f"p50 {top['p50_ms']} ms, p99 {top['p99_ms']} ms"
    )
    print(
        f"\n{'backend':<11}{'users':>6}{'req/s':>8}{'bare req/s':>11}{'ratio':>7}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'load':>6}"
    )
    for row in report["bare"]:
        print(
            f"{'bare app':<11}{row['users']:>6}{row['rps']:>8}{'':>11}{'':>7}"
            f"{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}{row['errors']:>8}"
            f"{row['load_average']:>6}"
        )
    for kind, data in report["databases"].items():
        for row in data["levels"]:
            ceiling = bare.get(row["users"], {}).get("rps") or float("nan")
            print(
                f"{kind:<11}{row['users']:>6}{row['rps']:>8}{ceiling:>11}"
                f"{row['rps'] / ceiling:>7.2f}{row['p50_ms']:>9}{row['p95_ms']:>9}"
                f"{row['p99_ms']:>9}{row['errors']:>8}{row['load_average']:>6}"
            )
        for row in data["levels"]:
            print(
                f"  {kind} {row['users']} users: /health after {row['health_after_ms']} ms; "
                f"p95 by call (ms): {row['p95_ms_by_call']}"
            )


if __name__ == "__main__":
    main()
