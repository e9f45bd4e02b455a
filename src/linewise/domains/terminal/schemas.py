"""API shapes of the operator terminal."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel
from linewise.domains.documents.schemas import DocumentOut
from linewise.domains.quality.schemas import QualitySampleDueOut
from linewise.domains.terminal.models import AndonKind


class BadgeIn(Schema):
    badge: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    pin: str = Field(min_length=1, max_length=40)


class OperatorRef(ResponseModel):
    id: int
    code: str
    name: str
    badge: str | None


class MaterialNeed(ResponseModel):
    code: str
    name: str
    unit: str
    per_unit: float
    needed: float


class TerminalStage(ResponseModel):
    """One stage as the terminal shows it; also the answer to an action or report."""

    operation_id: int
    order_id: int
    order_number: str
    order_status: str
    product_code: str
    product_name: str
    seq: int
    name: str
    status: str
    quantity: int
    good: int
    scrap: int
    rework: int
    line_id: int | None
    planned_start: datetime | None
    version: int
    materials: list[MaterialNeed]
    documents: list[DocumentOut] = []
    # The inspections the step's plans ask for now (running and held stages only).
    samples: list[QualitySampleDueOut] = []


class LineWorkOut(ResponseModel):
    line_id: int
    line_code: str
    line_name: str
    area_id: int
    plan_id: int | None
    operations: list[TerminalStage]


class TerminalActionIn(Schema):
    action: str = Field(pattern="^(start|hold|resume|complete)$")
    line_id: int | None = Field(None, description="line to run on, when starting")
    reason_code_id: int | None = Field(None, description="why, for hold (a downtime reason)")


class TerminalReportIn(Schema):
    good: int = Field(0, ge=0, le=1_000_000)
    scrap: int = Field(0, ge=0, le=1_000_000)
    rework: int = Field(0, ge=0, le=1_000_000)
    reason_code_id: int | None = Field(
        None, description="required with scrap (a scrap reason) or rework (a rework reason)"
    )
    lot: str | None = Field(
        None, min_length=1, max_length=80, description="the lot reported (refused while held)"
    )
    serial: str | None = Field(
        None, min_length=1, max_length=80, description="the unit reported (refused while held)"
    )


class AndonIn(Schema):
    kind: AndonKind
    line_id: int
    machine_id: int | None = None
    operation_id: int | None = None
    note: str = Field("", max_length=500)


class AndonOut(ResponseModel):
    id: int
    kind: str
    line_id: int
    line_code: str
    line_name: str
    machine_id: int | None
    machine_name: str | None
    operation_id: int | None
    note: str
    raised_by: str
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class PersonOnOperation(ResponseModel):
    name: str
    last_action_at: datetime


class OperationPeopleOut(ResponseModel):
    """Who has worked on an operation at a terminal lately (labour is not tracked yet)."""

    operation_id: int
    people: list[PersonOnOperation]
