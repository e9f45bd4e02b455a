"""API shapes of the equipment hierarchy."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from linewise.api.crud import Schema
from linewise.domains.equipment.models import LineType

Code = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class SiteIn(Schema):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone '{v}'") from exc
        return v


class SiteOut(SiteIn):
    id: int
    version: int


class AreaIn(Schema):
    site_id: int
    code: str = Code
    name: str = Field(min_length=1, max_length=200)


class AreaOut(AreaIn):
    id: int
    version: int


class LineIn(Schema):
    area_id: int
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    type: LineType


class LineOut(LineIn):
    id: int
    version: int


class MachineIn(Schema):
    line_id: int
    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=40)
    position: int = 0
    # Bounded: the threshold moves the day a KPI rollup may close (a year-long one
    # overflowed the date arithmetic of every KPI of the area), and the factor scales
    # the line's cycle into the station's.
    speed_factor: float = Field(1.0, gt=0, le=100)
    minor_stop_threshold_s: float = Field(120.0, ge=0, le=86_400)


class MachineOut(MachineIn):
    id: int
    version: int
