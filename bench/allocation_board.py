"""Allocation board benchmark: how fast a saved change reaches another open board.

An app in this process (SQLite in a temporary file, as `linewise serve` runs it) with a
site, two lines, a three-shift calendar, 36 operators; a manager's client watches the
live hub (`/api/v1/live`) while a supervisor's client makes N changes (moves between the
lines). For each change:

- delay: from sending `POST /allocation/changes` to the watcher receiving the hub's
  `allocation` message;
- baseline: the same request's own round trip (until its answer arrived).

The ratio says what the live path costs beyond saving. A labour read of the shift
(`GET /labour/shift`) is timed beside the board read (`GET /allocation/board`).

    python bench/allocation_board.py            # 60 changes
    python bench/allocation_board.py --quick    # 10 changes
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-password-1"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]

from fastapi.testclient import TestClient  # noqa: E402

from linewise.config import Settings  # noqa: E402
from linewise.core.db import make_engine, make_session_factory, session_scope  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.core.security import hash_password  # noqa: E402
from linewise.domains.accounts.models import User  # noqa: E402
from linewise.domains.equipment.models import Area, Line, Machine, Site  # noqa: E402
from linewise.domains.people.models import Operator  # noqa: E402
from linewise.server.app import create_app  # noqa: E402


def _seed(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as db:
        site = Site(code="P1", name="Plant", timezone="Europe/Berlin")
        area = Area(site=site, code="SMT", name="SMT")
        lines = [Line(area=area, code=f"SMT-{i}", name=f"SMT {i}", type="SMT") for i in (1, 2)]
        for ln in lines:
            db.add(Machine(line=ln, code=f"{ln.code}-PNP", name="PNP", kind="pnp", position=1))
        pw = hash_password(PASSWORD)
        for role in ("manager", "supervisor", "planner"):
            u = User(username=role, full_name=role, password_hash=pw, role=role)
            u.areas = [area]
            db.add(u)
        ops = [
            Operator(code=f"OP-{i:02d}", name=f"Operator {i}", skills=[], areas=[area])
            for i in range(36)
        ]
        db.add_all([site, *ops])
        db.flush()
        out = {"site": site.id, "lines": [ln.id for ln in lines], "ops": [o.id for o in ops]}
    engine.dispose()
    return out


def _login(c: TestClient, user: str) -> TestClient:
    r = c.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(changes: int) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="lw-bench-alloc-")
    url = f"sqlite:///{tmp}/bench.db"
    upgrade(url)
    ids = _seed(url)
    settings = Settings(database_url=url, audit_checkpoint=Path(tmp) / "cp.json", jobs_workers=0)
    app = create_app(settings)
    delays, trips = [], []
    with TestClient(app) as watcher, TestClient(app) as sup:
        _login(watcher, "manager")
        _login(sup, "supervisor")
        planner = _login(TestClient(app), "planner")
        patterns = [
            {"code": c, "name": c, "start": s, "end": e, "weekdays": EVERY_DAY}
            for c, s, e in (
                ("A", "06:00", "14:00"),
                ("B", "14:00", "22:00"),
                ("C", "22:00", "06:00"),
            )
        ]
        planner.post(
            "/api/v1/calendars",
            json={"code": "P1", "name": "P", "site_id": ids["site"], "patterns": patterns},
        )
        board = sup.get("/api/v1/allocation/board", params={"which": "next"}).json()
        version, key = board["version"], board["shift"]["key"]
        with watcher.websocket_connect("/api/v1/live") as ws:
            assert ws.receive_json()["type"] == "snapshot"
            for i in range(changes):
                op = ids["ops"][i % len(ids["ops"])]
                action = "assign" if i < len(ids["ops"]) else "move"
                body = {
                    "site_id": ids["site"],
                    "shift_key": key,
                    "base_version": version,
                    "action": action,
                    "operator_id": op,
                    "line_id": ids["lines"][i % 2],
                }
                t0 = time.perf_counter()
                r = sup.post("/api/v1/allocation/changes", json=body)
                t1 = time.perf_counter()
                assert r.status_code == 200, r.text
                version = r.json()["version"]
                while True:
                    m = ws.receive_json()
                    if m.get("type") == "allocation" and m["version"] == version:
                        break
                t2 = time.perf_counter()
                trips.append((t1 - t0) * 1000)
                delays.append((t2 - t0) * 1000)
        reads: dict[str, list[float]] = {"board": [], "labour": []}
        for _ in range(10):
            for name, path in (
                ("board", "/api/v1/allocation/board"),
                ("labour", "/api/v1/labour/shift"),
            ):
                t0 = time.perf_counter()
                assert sup.get(path, params={"which": "next"}).status_code == 200
                reads[name].append((time.perf_counter() - t0) * 1000)
    return {
        "changes": changes,
        "operators": len(ids["ops"]),
        "live_delay_ms_p50": statistics.median(delays),
        "live_delay_ms_p95": _pct(delays, 0.95),
        "save_round_trip_ms_p50": statistics.median(trips),
        "save_round_trip_ms_p95": _pct(trips, 0.95),
        "labour_read_ms_p50": statistics.median(reads["labour"]),
        "board_read_ms_p50": statistics.median(reads["board"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    r = run(10 if args.quick else 60)
    rows = [
        ("live delay p50 (ms)", r["live_delay_ms_p50"], r["save_round_trip_ms_p50"]),
        ("live delay p95 (ms)", r["live_delay_ms_p95"], r["save_round_trip_ms_p95"]),
        ("labour read p50 (ms)", r["labour_read_ms_p50"], r["board_read_ms_p50"]),
    ]
    print(f"{r['changes']} changes, {r['operators']} operators, SQLite")
    print(f"{'figure':<24}{'value':>10}{'baseline':>10}{'ratio':>8}")
    for name, value, base in rows:
        print(f"{name:<24}{value:>10.1f}{base:>10.1f}{value / base:>8.2f}")
    print("baselines: the save's own round trip; the board read")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "allocation_board.json").write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
