"""API shapes of operators and shift calendars."""

from __future__ import annotations

import re
from datetime import date

from pydantic import Field, field_validator

from linewise.api.crud import Schema

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _hhmm(v: str) -> str:
    if not HHMM.match(v):
        raise ValueError("time must be HH:MM (00:00–23:59)")
    return v


class OperatorIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    skills: list[str] = Field(default_factory=list)
    area_ids: list[int] = Field(default_factory=list)
    shift_code: str | None = None
    active: bool = True


class OperatorOut(OperatorIn):
    id: int
    version: int


class BreakIn(Schema):
    start: str
    minutes: int = Field(gt=0, le=240)

    _v = field_validator("start")(classmethod(lambda cls, v: _hhmm(v)))


class ShiftPatternIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field("", max_length=200)
    start: str
    end: str
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    breaks: list[BreakIn] = Field(default_factory=list)

    _v = field_validator("start", "end")(classmethod(lambda cls, v: _hhmm(v)))

    @field_validator("weekdays")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in v):
            raise ValueError("weekdays are 0 (Monday) .. 6 (Sunday)")
        return sorted(set(v))


class ShiftPatternOut(ShiftPatternIn):
    id: int


class HolidayIn(Schema):
    day: date
    name: str = ""


class HolidayOut(HolidayIn):
    id: int


class CalendarIn(Schema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    site_id: int
    line_id: int | None = None
    patterns: list[ShiftPatternIn] = Field(default_factory=list)
    holidays: list[HolidayIn] = Field(default_factory=list)


class CalendarOut(Schema):
    id: int
    version: int
    code: str
    name: str
    site_id: int
    line_id: int | None
    patterns: list[ShiftPatternOut]
    holidays: list[HolidayOut]
