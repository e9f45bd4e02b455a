"""Response models of the application's own routes."""

from __future__ import annotations

from linewise.core.schemas import ResponseModel


class HealthOut(ResponseModel):
    status: str
    version: str
