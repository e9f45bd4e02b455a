"""API shapes of materials."""

from __future__ import annotations

from pydantic import Field

from linewise.api.crud import Schema


class MaterialIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field("pcs", min_length=1, max_length=20)


class MaterialOut(MaterialIn):
    id: int
    version: int
