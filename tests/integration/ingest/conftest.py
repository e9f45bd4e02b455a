"""Fixtures for machine-data tests: a device key and helpers to build events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from tests.conftest import World

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def ts(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def state(
    eid: str, at: float, value: str, machine: str = "SMT-1-PNP1", **kw: Any
) -> dict[str, Any]:
    return {"id": eid, "ts": ts(at), "machine": machine, "type": "state", "state": value, **kw}


def count(eid: str, at: float, good: int, reject: int = 0, machine: str = "SMT-1-PNP1",
          **kw: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": eid, "ts": ts(at), "machine": machine, "type": "count", "good": good,
            "reject": reject, **kw}  # fmt: skip


@pytest.fixture
def device_token(db: Session, world: World) -> str:
    _key, token = create_api_key(db, name="line-gateway", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    return token


@pytest.fixture
def device(app: FastAPI, device_token: str) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {device_token}"}) as c:
        yield c
