"""The live floor over WebSocket: snapshot on connect, diffs after ingest, area scoping."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import PASSWORD, World, login
from tests.integration.ingest.conftest import count, state


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
