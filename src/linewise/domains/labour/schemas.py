"""Request and response shapes of labour and the allocation board."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel


class ClockAction(StrEnum):
    IN = "in"
    OUT = "out"


class BoardAction(StrEnum):
    ASSIGN = "assign"
    MOVE = "move"
    UNASSIGN = "unassign"


class Which(StrEnum):
    CURRENT = "current"
    NEXT = "next"


class ClockIn(Schema):
    action: ClockAction
    # Empty or one's own: the signed-in operator themself; else a supervisor clocks someone.
    operator_id: int | None = Field(None, ge=1)
    at: AwareDatetime | None = Field(
        None,
        description="when the operator tapped (a terminal sends it for a tap queued "
        "offline); at most 24 h ago, never in the future; default now. The same tap sent "
        "again (same action and time) returns the same answer.",
    )


class BoardShiftOut(ResponseModel):
    key: str
    code: str
    day: date
    start: datetime
    end: datetime
    timezone: str


class BoardAssignmentOut(ResponseModel):
    operator_id: int
    line_id: int
    machine_id: int | None = None


class MyAssignmentOut(ResponseModel):
    shift: BoardShiftOut
    station: str | None


class ClockState(ResponseModel):
    operator_id: int
    name: str
    clocked_in_since: datetime | None
    last_clock_out: datetime | None = None


class LabourMeOut(ResponseModel):
    operator_id: int
    code: str
    name: str
    clocked_in_since: datetime | None
    current: MyAssignmentOut
    next: MyAssignmentOut


class AbsenceIn(Schema):
    operator_id: int = Field(ge=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=200)


class AbsenceOut(ResponseModel):
    id: int
    operator_id: int
    operator_name: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str


class SkillIn(Schema):
    operator_id: int = Field(ge=1)
    skill: str = Field(min_length=1, max_length=60)
    level: int = Field(ge=1, le=4, description="1 learning … 4 can train others")
    expires_on: date | None = None


class SkillOut(ResponseModel):
    id: int
    operator_id: int
    skill: str
    level: int
    expires_on: date | None
    expired: bool


class BoardMachineOut(ResponseModel):
    id: int
    name: str
    state: str | None


class StationOut(ResponseModel):
    line_id: int
    line_code: str
    line_name: str
    area_id: int
    skills: list[str]
    machines: list[BoardMachineOut]


class BoardOperatorOut(ResponseModel):
    id: int
    code: str
    name: str
    skills: list[str]
    shift_code: str | None
    area_ids: list[int]
    absent: str | None
    clocked_in: bool


class BoardOut(ResponseModel):
    site_id: int
    shift: BoardShiftOut
    version: int
    stations: list[StationOut]
    operators: list[BoardOperatorOut]
    assignments: list[BoardAssignmentOut]
    skills: list[SkillOut]


class ChangeIn(Schema):
    site_id: int = Field(ge=1)
    shift_key: str = Field(min_length=5, max_length=60)
    base_version: int = Field(ge=0, description="the board version the change was made on")
    action: BoardAction
    operator_id: int = Field(ge=1)
    line_id: int | None = Field(None, ge=1)
    machine_id: int | None = Field(None, ge=1)
    reason: str = Field("", max_length=300)


class ConflictOut(ResponseModel):
    code: str
    field: str
    message: str


class CheckOut(ResponseModel):
    conflicts: list[ConflictOut]


class RollbackIn(Schema):
    site_id: int = Field(ge=1)
    shift_key: str = Field(min_length=5, max_length=60)
    base_version: int = Field(ge=0)
    to_version: int = Field(ge=1)
    reason: str = Field("", max_length=300)


class VersionOut(ResponseModel):
    version: int
    action: str
    operator_id: int | None
    operator_name: str | None
    reason: str
    restored_from: int | None
    actor: str
    created_at: datetime
    assignments: list[BoardAssignmentOut]


class LabourOperationOut(ResponseModel):
    operation_id: int
    seconds: float


class LabourRowOut(ResponseModel):
    operator_id: int
    code: str
    name: str
    station: str | None
    clocked_in_since: datetime | None
    attendance_s: float = Field(description="APAT: attendance in the shift, seconds")
    work_s: float = Field(description="APWT: time with an operation running, seconds")
    efficiency: float | None = Field(description="worker efficiency APWT / APAT")
    idle: dict[str, float] = Field(description="idle seconds per cause")
    operations: list[LabourOperationOut]


class ShiftLabourOut(ResponseModel):
    shift: BoardShiftOut
    rows: list[LabourRowOut]


class OperationPersonOut(ResponseModel):
    operator_id: int
    name: str
    seconds: float


class OperationLabourOut(ResponseModel):
    operation_id: int
    people: list[OperationPersonOut]


class WorkIntervalOut(ResponseModel):
    operator_id: int
    operator_name: str
    line_id: int
    line_code: str
    machine_id: int | None
    machine_name: str | None
    started_at: datetime
    ended_at: datetime | None
