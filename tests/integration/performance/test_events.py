"""Reason assignment announces itself after commit; a refused one announces nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from linewise.domains.performance.events import DowntimeReasonAssigned
from tests.conftest import World


def test_assigning_a_reason_publishes_an_event(
    app: FastAPI, as_role: dict[str, TestClient], world: World, day_data: dict[str, int]
) -> None:
    heard: list[DowntimeReasonAssigned] = []
    # By type: the recorder's MachineChanges of the day's ingest may still be arriving.
    app.state.bus.subscribe(heard.append, DowntimeReasonAssigned)
    pnp = world.machine_ids["SMT-1-PNP1"]
    body = {"machine_id": pnp, "start": "2026-11-23T07:00:00Z", "reason_code_id": 0}
    operator = as_role["operator"]
    refused = operator.post(
        "/api/v1/downtime/assignments", json={**body, "reason_code_id": day_data["fixture_fault"]}
    )
    assert refused.status_code == 422
    assert heard == []
    done = operator.post(
        "/api/v1/downtime/assignments", json={**body, "reason_code_id": day_data["pnp_fault"]}
    )
    assert done.status_code == 200, done.text
    assert heard == [
        DowntimeReasonAssigned(
            pnp,
            datetime(2026, 11, 23, 7, tzinfo=UTC),
            day_data["pnp_fault"],
            "pnp_fault",
            "user:operator",
        )
    ]
