"""API shapes of reason codes."""

from __future__ import annotations

from pydantic import Field

from linewise.api.crud import Schema
from linewise.domains.quality.models import ReasonCategory


class ReasonCodeIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    category: ReasonCategory
    machine_class: str | None = Field(None, max_length=40)
    parent_id: int | None = None


class ReasonCodeOut(ReasonCodeIn):
    id: int
    version: int
