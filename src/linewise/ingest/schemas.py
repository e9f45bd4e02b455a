"""Response models of the machine-data routes (ingest, quarantine, floor, intervals).

The floor's timestamps are ISO strings as the live hub sends them over the WebSocket;
the REST snapshot is the same document, so they stay strings here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from linewise.core.schemas import ResponseModel
from linewise.kpi import MachineState


class RejectOut(ResponseModel):
    id: str | None
    field: str | None
    reason: str


class IngestOut(ResponseModel):
    accepted: int
    duplicates: int
    rejected: list[RejectOut]


class QuarantinedOut(ResponseModel):
    id: int
    received_at: datetime
    source: str
    field: str | None
    reason: str
    payload: str


class QuarantinePageOut(ResponseModel):
    items: list[QuarantinedOut]
    limit: int
    offset: int


class ShiftOut(ResponseModel):
    """The shift running now, or the site-local day when none is (``code`` null)."""

    code: str | None
    start: str
    end: str


class RunningOrderOut(ResponseModel):
    """The operation a line is working on."""

    order_id: int
    number: str
    operation_id: int
    seq: int
    name: str
    quantity: int
    good: int
    scrap: int
    progress: float
    due_date: str
    setup: bool = Field(
        False,
        description="true when the line is in changeover for this operation, which has "
        "not started yet (the next one the published plan has on the line)",
    )


class MachineStatusOut(ResponseModel):
    id: int
    code: str
    name: str
    kind: str
    position: int
    line_id: int
    line_code: str
    area_id: int
    state: MachineState
    reason: str | None
    fault: str | None
    since: str | None
    good: int
    reject: int
    last_seen: str | None
    silent: bool
    order: RunningOrderOut | None
    # The shift good / reject are counted in: its own line's (or site's) calendar.
    shift: ShiftOut


class FloorLineOut(ResponseModel):
    id: int
    code: str
    name: str
    type: str
    area_id: int
    area_code: str
    area_name: str
    # This line's current shift (lines of different sites or calendars differ).
    shift: ShiftOut
    machines: list[MachineStatusOut]


class FloorOut(ResponseModel):
    type: Literal["snapshot"]
    at: str
    silent_after_s: int
    shift: ShiftOut
    lines: list[FloorLineOut]


class IntervalOut(ResponseModel):
    id: int
    start: datetime
    end: datetime | None
    state: MachineState
    reason: str | None
    fault: str | None


class MachineIntervalsOut(ResponseModel):
    machine_id: int
    items: list[IntervalOut]
