"""Ingest benchmark: sustained events/s and publish → screen latency, against baselines.

Each throughput figure is shown beside the bare driver writing the same rows in the
same run (executemany on SQLite, COPY on PostgreSQL), so the ratio says what the service
costs on top of the database. Servers run as real `linewise serve` processes.

    python bench/ingest.py            # full run (a few minutes)
    python bench/ingest.py --quick    # smoke run (under a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import websockets
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench-password-1"


# --- setup -----------------------------------------------------------------------------


def run_cli(url: str, *args: str) -> str:
    env = {**os.environ, "LINEWISE_DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, "-m", "linewise.cli.main", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def prepare(url: str) -> tuple[str, list[str]]:
    """Migrate, load the demo factory scaled to 30 lines, create a device key and a user."""
    from linewise.core.audit import install
    from linewise.core.db import make_engine, make_session_factory, session_scope
    from linewise.core.migrate import upgrade
    from linewise.core.security import Role
    from linewise.demo.factory import build_factory
    from linewise.demo.load import load_factory
    from linewise.domains.accounts.models import ApiKeyScope
    from linewise.domains.accounts.service import create_api_key, create_user

    upgrade(url)
    install()
    engine = make_engine(url)
    spec = build_factory(datetime.now(UTC), line_groups=6, orders=200)
    with session_scope(make_session_factory(engine)) as db:
        load_factory(db, spec, with_users=False)
        _key, token = create_api_key(db, name="bench", scope=ApiKeyScope.DEVICE, role=None)
        create_user(db, username="bench", password=PASSWORD, role=Role.ADMIN)
    engine.dispose()
    machines = [m.code for line in spec.lines for m in line.machines]
    return token, machines


def make_events(machines: list[str], n: int, prefix: str, t0: datetime) -> list[dict[str, Any]]:
    """A realistic mix: 70 % counts, 20 % telemetry, 10 % state changes."""
    out: list[dict[str, Any]] = []
    states = ("producing", "idle", "producing", "down", "producing", "setup")
    for i in range(n):
        machine = machines[i % len(machines)]
        ts = (t0 + timedelta(milliseconds=i)).isoformat().replace("+00:00", "Z")
        base = {"id": f"{prefix}{i}", "ts": ts, "machine": machine}
        kind = i % 10
        if kind < 7:
            out.append({**base, "type": "count", "good": 1, "reject": 0})
        elif kind < 9:
            out.append({**base, "type": "telemetry", "signals": {"temperature_c": 40.0 + i % 7}})
        else:
            out.append({**base, "type": "state", "state": states[(i // 10) % len(states)]})
    return out


class Server:
    def __init__(self, url: str, port: int, **env: str) -> None:
        self.url = url
        self.port = port
        self.env = {**os.environ, "LINEWISE_DATABASE_URL": url, "LINEWISE_PORT": str(port), **env}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "linewise.cli.main", "serve", "--no-upgrade"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def rss_mb(self) -> tuple[float, float]:
        """Current and peak resident memory of the server process."""
        assert self.proc is not None
        fields = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        kb = lambda k: float(fields.get(k, "0 kB").split()[0]) / 1024  # noqa: E731
        return kb("VmRSS"), kb("VmHWM")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stored(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = sum(
            int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in ("state_events", "count_events", "telemetry")
        )
    engine.dispose()
    return n


# --- baselines -------------------------------------------------------------------------


def _rows(
    events: list[dict[str, Any]], machine_ids: dict[str, int]
) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {"count": [], "telemetry": [], "state": []}
    for e in events:
        m = machine_ids[e["machine"]]
        ts = e["ts"].replace("Z", "").replace("T", " ")
        if e["type"] == "count":
            rows["count"].append((m, e["id"], ts, e["good"], e["reject"], 0))
        elif e["type"] == "telemetry":
            rows["telemetry"].append((m, e["id"], ts, json.dumps(e["signals"])))
        else:
            rows["state"].append((m, e["id"], ts, e["state"]))
    return rows


def baseline_sqlite(url: str, events: list[dict[str, Any]]) -> float:
    """executemany of the same rows into the same (empty, indexed) tables."""
    path = url.split("///", 1)[1]
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    ids = dict(con.execute("SELECT code, id FROM machines").fetchall())
    rows = _rows(events, ids)
    started = time.perf_counter()
    for i in range(0, len(events), 5000):
        part = _rows(events[i : i + 5000], ids)
        con.executemany(
            "INSERT INTO count_events (machine_id, event_id, ts, good, reject, rework) "
            "VALUES (?,?,?,?,?,?)",
            part["count"],
        )
        con.executemany(
            "INSERT INTO telemetry (machine_id, event_id, ts, signals) VALUES (?,?,?,?)",
            part["telemetry"],
        )
        con.executemany(
            "INSERT INTO state_events (machine_id, event_id, ts, state) VALUES (?,?,?,?)",
            part["state"],
        )
        con.commit()
    elapsed = time.perf_counter() - started
    for table in ("count_events", "telemetry", "state_events"):
        con.execute(f"DELETE FROM {table}")
    con.commit()
    con.close()
    del rows
    return len(events) / elapsed


def baseline_pg(url: str, events: list[dict[str, Any]]) -> float:
    """COPY of the same rows into the same tables."""
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as con:
        ids = dict(con.execute("SELECT code, id FROM machines").fetchall())
        started = time.perf_counter()
        for i in range(0, len(events), 5000):
            part = _rows(events[i : i + 5000], ids)
            with con.cursor() as cur:
                with cur.copy(
                    "COPY count_events (machine_id, event_id, ts, good, reject, rework) FROM STDIN"
                ) as cp:
                    for r in part["count"]:
                        cp.write_row((*r[:2], r[2] + "+00", *r[3:]))
                with cur.copy(
                    "COPY telemetry (machine_id, event_id, ts, signals) FROM STDIN"
                ) as cp:
                    for r in part["telemetry"]:
                        cp.write_row((*r[:2], r[2] + "+00", r[3]))
                with cur.copy(
                    "COPY state_events (machine_id, event_id, ts, state) FROM STDIN"
                ) as cp:
                    for r in part["state"]:
                        cp.write_row((*r[:2], r[2] + "+00", r[3]))
            con.commit()
        elapsed = time.perf_counter() - started
        for table in ("count_events", "telemetry", "state_events"):
            con.execute(f"DELETE FROM {table}")
        con.commit()
    return len(events) / elapsed


# --- HTTP ------------------------------------------------------------------------------


async def http_rate(server: Server, token: str, events: list[dict[str, Any]], batch: int) -> float:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps(events[i : i + batch]).encode() for i in range(0, len(events), batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            while True:
                r = await client.post("/api/v1/ingest", content=body, headers=headers)
                if r.status_code == 200:
                    break
                await asyncio.sleep(float(r.headers.get("Retry-After", "0.2")))

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(4)))
    return len(events) / (time.perf_counter() - started)


# --- MQTT ------------------------------------------------------------------------------


def mqtt_rate(
    url: str, machines: list[str], n: int, processes: int, port0: int, broker: tuple[str, int]
) -> tuple[float, list[tuple[float, float]]]:
    import paho.mqtt.client as paho

    group = f"bench{uuid.uuid4().hex[:6]}"
    servers = [
        Server(
            url,
            port0 + i,
            LINEWISE_MQTT_URL=f"mqtt://{broker[0]}:{broker[1]}",
            LINEWISE_MQTT_SHARE_GROUP=group,
            LINEWISE_MQTT_CLIENT_ID=f"{group}-{i}",
        )
        for i in range(processes)
    ]
    for s in servers:
        s.__enter__()
    time.sleep(1.0)  # let each process subscribe before publishing (no event to await)
    before = stored(url)
    events = make_events(machines, n, f"mq{processes}-", datetime.now(UTC) - timedelta(days=1))
    pub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"{group}-pub")
    pub.max_inflight_messages_set(1000)
    pub.connect(*broker)
    pub.loop_start()
    started = time.perf_counter()
    per_message = 100
    infos = []
    for i in range(0, n, per_message):
        chunk = events[i : i + per_message]
        machine = chunk[0]["machine"]
        infos.append(pub.publish(f"linewise/v1/P/L/{machine}/count", json.dumps(chunk), qos=1))
    for info in infos:
        info.wait_for_publish(60)
    deadline = time.monotonic() + 300
    while stored(url) - before < n and time.monotonic() < deadline:
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    mem = [s.rss_mb() for s in servers]
    pub.loop_stop()
    pub.disconnect()
    for s in servers:
        s.__exit__()
    return (stored(url) - before) / elapsed, mem


# --- latency ---------------------------------------------------------------------------


async def latency(
    server: Server, token: str, machines: list[str], rate: int, seconds: float
) -> dict[str, float]:
    """Send at ``rate`` events/s over HTTP; time each state change until the WebSocket."""
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        r = await client.post(
            "/api/v1/auth/login", json={"username": "bench", "password": PASSWORD}
        )
        cookie = r.cookies.get("lw_session")
    sent_at: dict[tuple[str, str], float] = {}
    seen: list[float] = []
    uri = f"ws://127.0.0.1:{server.port}/api/v1/live"

    async def listen(ws: Any) -> None:
        async for raw in ws:
            msg = json.loads(raw)
            now = time.perf_counter()
            for m in msg.get("machines", []):
                key = (m["code"], m["since"] or "")
                if key in sent_at:
                    seen.append(now - sent_at.pop(key))

    async with websockets.connect(uri, additional_headers={"Cookie": f"lw_session={cookie}"}) as ws:
        await ws.recv()  # snapshot
        listener = asyncio.create_task(listen(ws))
        headers = {"Authorization": f"Bearer {token}"}
        tick = 0.05
        per_tick = int(rate * tick)
        n = 0
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                t = time.perf_counter()
                now = datetime.now(UTC)
                batch = make_events(machines, per_tick, f"lat{n}-", now)
                # One state change per tick, stamped now, on a machine chosen in turn.
                machine = machines[n % len(machines)]
                ts = now.isoformat()
                batch.append({"id": f"chg{n}", "ts": ts.replace("+00:00", "Z"), "machine": machine,
                              "type": "state", "state": ("down", "producing")[n % 2]})  # fmt: skip
                sent_at[(machine, ts)] = t
                await client.post("/api/v1/ingest", json=batch, headers=headers)
                n += 1
                await asyncio.sleep(max(0.0, tick - (time.perf_counter() - t)))
            await asyncio.sleep(1.0)
        listener.cancel()
    seen.sort()
    if not seen:
        return {"samples": 0}
    return {
        "samples": len(seen),
        "p50_ms": statistics.median(seen) * 1000,
        "p99_ms": seen[min(len(seen) - 1, int(len(seen) * 0.99))] * 1000,
        "max_ms": seen[-1] * 1000,
    }


# --- main ------------------------------------------------------------------------------


def pg_database(admin_url: str) -> tuple[str, Any]:
    name = f"linewise_bench_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINEWISE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument(
        "--mqtt",
        default="own",
        help="host:port of a broker, or 'own' (default): start a Mosquitto tuned for ingest "
        "(max_inflight_messages 1000, unbounded queue) on a free port",
    )
    ap.add_argument("--skip-pg", action="store_true")
    args = ap.parse_args()
    n = 20_000 if args.quick else 200_000
    seconds = 3 if args.quick else 15
    tmp = Path(tempfile.mkdtemp(prefix="linewise-bench-"))
    own_broker = None
    if args.mqtt == "own":
        mport = free_port()
        conf = tmp / "mosquitto.conf"
        conf.write_text(
            f"listener {mport} 127.0.0.1\nallow_anonymous true\n"
            "max_inflight_messages 1000\nmax_queued_messages 0\n"
        )
        own_broker = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        broker = ("127.0.0.1", mport)
    else:
        host, port = args.mqtt.split(":")
        broker = (host, int(port))
    results: dict[str, Any] = {"events": n, "quick": args.quick, "rows": [], "broker": args.mqtt}
    rows = results["rows"]
    t0 = datetime.now(UTC) - timedelta(days=2)

    # SQLite over HTTP
    url = f"sqlite:///{tmp}/bench.db"
    token, machines = prepare(url)
    events = make_events(machines, n, "b-", t0)
    base = baseline_sqlite(url, events)
    with Server(url, free_port()) as srv:
        rate = asyncio.run(http_rate(srv, token, events, 5000))
        mem = srv.rss_mb()
        lat = asyncio.run(latency(srv, token, machines, 10_000, seconds))
    rows.append({"path": "HTTP → SQLite", "events_per_s": rate, "baseline": "executemany",
                 "baseline_per_s": base, "rss_mb": mem[0], "peak_rss_mb": mem[1]})  # fmt: skip
    results["latency_http_sqlite_10k"] = lat

    if not args.skip_pg:
        url, drop = pg_database(args.pg)
        try:
            token, machines = prepare(url)
            events = make_events(machines, n, "p-", t0)
            base = baseline_pg(url, events)
            with Server(url, free_port()) as srv:
                rate = asyncio.run(http_rate(srv, token, events, 5000))
                mem = srv.rss_mb()
                lat = asyncio.run(latency(srv, token, machines, 10_000, seconds))
            rows.append(
                {"path": "HTTP → PostgreSQL", "events_per_s": rate, "baseline": "COPY",
                 "baseline_per_s": base, "rss_mb": mem[0], "peak_rss_mb": mem[1]}
            )  # fmt: skip
            results["latency_http_pg_10k"] = lat
            for procs in (1, 2):
                rate, mems = mqtt_rate(url, machines, n, procs, free_port(), broker)
                rows.append({"path": f"MQTT QoS 1 → PostgreSQL, {procs} process(es)",
                             "events_per_s": rate, "baseline": "COPY", "baseline_per_s": base,
                             "rss_mb": max(m[0] for m in mems),
                             "peak_rss_mb": max(m[1] for m in mems)})  # fmt: skip
        finally:
            drop()
            if own_broker is not None:
                own_broker.terminate()

    print(f"\nIngest benchmark, {n} events per run (70 % counts, 20 % telemetry, 10 % states)\n")
    print(f"{'path':<38} {'events/s':>10} {'baseline':>12} {'base ev/s':>10} {'ratio':>6} "
          f"{'RSS MB':>7} {'peak':>6}")  # fmt: skip
    for r in rows:
        r["ratio"] = r["events_per_s"] / r["baseline_per_s"]
        print(f"{r['path']:<38} {r['events_per_s']:>10.0f} {r['baseline']:>12} "
              f"{r['baseline_per_s']:>10.0f} {r['ratio']:>6.2f} {r['rss_mb']:>7.0f} "
              f"{r['peak_rss_mb']:>6.0f}")  # fmt: skip
    for key in ("latency_http_sqlite_10k", "latency_http_pg_10k"):
        if key in results:
            lat = results[key]
            print(f"\npublish → WebSocket at 10,000 events/s ({key.split('_')[2]}): "
                  f"p50 {lat.get('p50_ms', 0):.0f} ms, p99 {lat.get('p99_ms', 0):.0f} ms "
                  f"({lat['samples']} samples)")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "ingest.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
