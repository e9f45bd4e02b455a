"""Many concurrent clients on a real `linewise serve`: no hang, no 500, health answers.

Before, 64 clients reading orders stalled the server on SQLite: every read took the write
lock (BEGIN IMMEDIATE), and requests that held a pooled connection waited for a worker
thread while every worker thread waited for a connection. Requests then took 30 s (the
pool's and SQLite's timeouts) and answered 500 "database is locked" or "QueuePool limit".
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from linewise.config import Settings
from tests.conftest import PASSWORD, World
from tests.servers import Server
from tests.services import free_port

CLIENTS = 64
WRITERS = 8  # of the CLIENTS, these create orders; the others read the list
LOAD_S = 4.0
REQUEST_TIMEOUT_S = 20.0  # a stalled server fails the test instead of hanging it
HEALTH_WITHIN_S = 1.0


@pytest.fixture
def server(settings: Settings, world: World) -> Iterator[Server]:
    srv = Server(settings.database_url, free_port())
    srv.start()
    yield srv
    try:
        srv.stop()
    except subprocess.TimeoutExpired:  # a hung server ignores SIGTERM
        srv.kill()


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    health_s: list[float] = field(default_factory=list)


async def _signed_in(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S)
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


async def _load(base: str, world: World) -> Tally:
    tally = Tally()
    planner = await _signed_in(base, "planner")
    # Something to list: a page of orders, created through the API.
    for n in range(50):
        r = await planner.post("/api/v1/orders", json=_order(world, f"PO-{n}"))
        assert r.status_code == 201, r.text
    # One client per role, made up front (making one costs tens of ms): the load starts
    # at once, on 64 connections of the clients' pools.
    viewer = httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, cookies=planner.cookies)
    probe = httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S)
    stop = time.monotonic() + LOAD_S

    def record(r: httpx.Response) -> None:
        tally.statuses[r.status_code] += 1
        if r.status_code >= 500:
            tally.failures.append(f"{r.request.method} {r.request.url.path}: {r.text[:200]}")

    async def reader() -> None:
        while time.monotonic() < stop:
            record(await viewer.get("/api/v1/orders", params={"limit": 50}))

    async def writer(k: int) -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            record(await planner.post("/api/v1/orders", json=_order(world, f"W{k}-{n}")))

    async def health() -> None:
        while time.monotonic() < stop + 1.0:  # during the load and just after it
            started = time.monotonic()
            r = await probe.get("/api/v1/health")
            assert r.status_code == 200
            tally.health_s.append(time.monotonic() - started)
            await asyncio.sleep(0.2)

    try:
        await asyncio.gather(
            *(reader() for _ in range(CLIENTS - WRITERS)),
            *(writer(k) for k in range(WRITERS)),
            health(),
        )
    finally:
        for client in (planner, viewer, probe):
            await client.aclose()
    return tally


def _order(world: World, number: str) -> dict[str, object]:
    return {
        "number": number,
        "product_id": world.product_id,
        "quantity": 10,
        "due_date": "2030-01-10T12:00:00Z",
    }


def test_sixty_four_clients_neither_hang_nor_fail(server: Server, world: World) -> None:
    tally = asyncio.run(asyncio.wait_for(_load(server.base, world), timeout=90))

    assert tally.failures == [], tally.failures[:5]
    assert set(tally.statuses) <= {200, 201}, tally.statuses
    assert tally.statuses[200] > 0 and tally.statuses[201] > 0
    assert max(tally.health_s) < HEALTH_WITHIN_S, sorted(tally.health_s)[-5:]
    # And the server still answers afterwards.
    assert httpx.get(f"{server.base}/api/v1/health", timeout=HEALTH_WITHIN_S).status_code == 200


def test_a_read_neither_takes_nor_waits_for_the_write_lock(
    engine: Engine, as_role: dict[str, TestClient]
) -> None:
    planner = as_role["planner"]
    # Another writer is in the middle of a transaction (on SQLite: it holds the one
    # write lock). Before, every request began with BEGIN IMMEDIATE and so waited for it:
    # 30 s, then 500 "database is locked".
    with engine.connect() as writer:
        writer.begin()
        writer.execute(text("UPDATE users SET full_name = full_name"))
        started = time.monotonic()
        r = planner.get("/api/v1/orders", params={"limit": 50})
        assert r.status_code == 200, r.text
        assert planner.get("/api/v1/floor").status_code == 200
        assert time.monotonic() - started < 5.0
        writer.rollback()
