"""Response models of the application's own routes."""

from __future__ import annotations

from linewise.core.schemas import ResponseModel


class HealthOut(ResponseModel):
    status: str
    version: str


class ReadinessCheck(ResponseModel):
    ok: bool
    detail: str


class ReadyOut(ResponseModel):
    status: str  # "ready" or "not ready"
    checks: dict[str, ReadinessCheck]
