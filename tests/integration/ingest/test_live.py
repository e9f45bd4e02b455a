"""The live floor over WebSocket: snapshot on connect, diffs after ingest, area scoping."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.websockets import WebSocketDisconnect

from linewise.core import audit
from linewise.core.db import make_session_factory
from linewise.demo.factory import build_factory
from linewise.demo.load import load_factory
from linewise.domains.accounts.models import ApiKeyScope, User
from linewise.domains.accounts.service import create_api_key
from tests.conftest import PASSWORD, World, _truncate_pg, login
from tests.integration.ingest.conftest import count, state
from tests.servers import Server
from tests.services import free_port


def _machines(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["code"]: m for line in snapshot["lines"] for m in line["machines"]}


def test_snapshot_then_diffs(app: FastAPI, device: TestClient, world: World) -> None:
    with TestClient(app) as browser:
        login(browser, "planner")
        with browser.websocket_connect("/api/v1/live") as ws:
            snap = ws.receive_json()
            assert snap["type"] == "snapshot"
            assert set(_machines(snap)) == {"SMT-1-PNP1", "TEST-1-ICT"}
            assert _machines(snap)["SMT-1-PNP1"]["state"] == "offline"  # no data yet
            r = device.post(
                "/api/v1/ingest",
                json=[state("s1", 0, "down", reason="feeder_error"), count("c1", 1, 3, 1)],
            )
            assert r.json()["accepted"] == 2
            diff = ws.receive_json()
            assert diff["type"] == "diff"
            (pnp,) = diff["machines"]
            assert (pnp["code"], pnp["state"], pnp["reason"]) == (
                "SMT-1-PNP1",
                "down",
                "feeder_error",
            )
            assert pnp["since"].startswith("2026-11-23T07:00:00")
            ws.send_text("ping")
            assert ws.receive_json() == {"type": "pong"}


def test_operators_see_only_their_areas(app: FastAPI, device: TestClient, world: World) -> None:
    with TestClient(app) as browser:
        login(browser, "operator")  # scoped to the SMT area
        with browser.websocket_connect("/api/v1/live") as ws:
            snap = ws.receive_json()
            assert set(_machines(snap)) == {"SMT-1-PNP1"}
            device.post("/api/v1/ingest", json=[state("t1", 0, "down", machine="TEST-1-ICT")])
            device.post("/api/v1/ingest", json=[state("p1", 5, "producing")])
            diff = ws.receive_json()
            # The TEST machine's change never reaches this operator.
            assert [m["code"] for m in diff["machines"]] == ["SMT-1-PNP1"]


def test_reconnect_gets_a_fresh_snapshot(app: FastAPI, device: TestClient, world: World) -> None:
    with TestClient(app) as browser:
        login(browser, "manager")
        with browser.websocket_connect("/api/v1/live") as ws:
            ws.receive_json()
        device.post("/api/v1/ingest", json=[state("s9", 0, "setup")])
        with browser.websocket_connect("/api/v1/live") as ws:
            snap = ws.receive_json()
            assert _machines(snap)["SMT-1-PNP1"]["state"] == "setup"


def test_anonymous_devices_and_other_sites_are_refused(
    app: FastAPI, device: TestClient, world: World
) -> None:
    with (
        TestClient(app) as anon,
        pytest.raises(WebSocketDisconnect) as exc,
        anon.websocket_connect("/api/v1/live") as ws,
    ):
        ws.receive_json()
    assert exc.value.code == 4401
    with pytest.raises(WebSocketDisconnect) as exc, device.websocket_connect("/api/v1/live") as ws:
        ws.receive_json()
    assert exc.value.code == 4403
    with TestClient(app) as browser:
        r = browser.post("/api/v1/auth/login", json={"username": "planner", "password": PASSWORD})
        assert r.status_code == 200
        with (
            pytest.raises(WebSocketDisconnect) as exc,
            browser.websocket_connect(
                "/api/v1/live", headers={"Origin": "https://evil.example"}
            ) as ws,
        ):
            ws.receive_json()
        assert exc.value.code == 4403


def test_two_processes_share_live_updates_over_postgres(
    pg_engine: Engine, password_hash: str
) -> None:
    """An event ingested by process A reaches a WebSocket client of process B."""
    url = pg_engine.url.render_as_string(hide_password=False)
    _truncate_pg(pg_engine)
    audit.install()
    with make_session_factory(pg_engine)() as db:
        load_factory(db, build_factory(datetime(2026, 11, 23, 6, tzinfo=UTC)), with_users=False)
        db.add(User(username="boss", full_name="", password_hash=password_hash, role="manager"))
        _key, token = create_api_key(db, name="gw", scope=ApiKeyScope.DEVICE, role=None)
        db.commit()
    a, b = Server(url, free_port()), Server(url, free_port())
    a.start()
    b.start()
    try:
        session = httpx.post(
            f"{b.base}/api/v1/auth/login", json={"username": "boss", "password": PASSWORD}
        ).cookies["lw_session"]

        async def watch() -> dict[str, Any]:
            uri = f"ws://127.0.0.1:{b.port}/api/v1/live"
            headers = {"Cookie": f"lw_session={session}"}
            async with websockets.connect(uri, additional_headers=headers) as ws:
                snapshot = json.loads(await ws.recv())
                assert snapshot["type"] == "snapshot"
                r = httpx.post(
                    f"{a.base}/api/v1/ingest",
                    headers={"Authorization": f"Bearer {token}"},
                    json=[state("x1", 0, "down", machine="SMT-2-PNP2", reason="feeder_error")],
                )
                assert r.json()["accepted"] == 1
                return dict(json.loads(await asyncio.wait_for(ws.recv(), 10)))

        diff = asyncio.run(watch())
        (machine,) = diff["machines"]
        assert (machine["code"], machine["state"]) == ("SMT-2-PNP2", "down")
    finally:
        a.stop()
        b.stop()
