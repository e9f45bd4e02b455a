"""Response models of the idle routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel
from linewise.domains.performance.schemas import ScopeOut, WindowOut


class CausesOut(ResponseModel):
    """Idle minutes per cause (``allocation.causes``)."""

    no_assignment: float
    machine_down: float
    starved: float
    blocked: float
    no_material: float
    waiting_for_setup: float
    no_order: float
    other: float


class MachineIdleOut(ResponseModel):
    machine_id: int
    machine_code: str
    machine_name: str
    line_id: int
    line_code: str
    idle_minutes: float
    by_cause: CausesOut
    producing_minutes: float
    setup_minutes: float
    available_minutes: float
    utilization: float | None


class ReleaseToStartOut(ResponseModel):
    order_id: int
    number: str
    released_at: str
    first_start: str | None
    minutes: float | None


class IdleOut(ResponseModel):
    scope: ScopeOut
    window: WindowOut
    machines: list[MachineIdleOut]
    totals: CausesOut
    idle_minutes: float
    release_to_start: list[ReleaseToStartOut]


class RiskOut(ResponseModel):
    machine_id: int
    machine_code: str
    machine_name: str
    line_code: str
    state: str
    computed_at: str
    risk_5: float
    risk_15: float
    risk_30: float
    flagged: bool


class OperatorRiskOut(ResponseModel):
    """``state``: working (an operation of theirs runs) or idle; ``cause``: why they stand
    idle now (labour's causes), None while working; ``line_code``: where they stand."""

    operator_id: int
    operator_code: str
    operator_name: str
    line_code: str | None
    state: str
    cause: str | None
    computed_at: str
    risk_5: float
    risk_15: float
    risk_30: float
    flagged: bool


class RisksOut(ResponseModel):
    items: list[RiskOut]
    operators: list[OperatorRiskOut]
    flag_above: float


class MoveOut(ResponseModel):
    operator: str
    operator_id: int
    from_station: str | None
    to_station: str
    gain_min: float


class SuggestionsOut(ResponseModel):
    """``accept_available``: the caller may accept a move (``allocation:write``);
    ``board_version`` and ``shift_key``: the board the moves were computed against."""

    moves: list[MoveOut]
    gain_min: float
    status: str
    seconds: float
    accept_available: bool
    board_version: int | None
    shift_key: str | None


class AcceptIn(Schema):
    """One suggested move, as ``GET /idle/suggestions`` returned it."""

    operator_id: int = Field(ge=1)
    from_station: str | None = Field(None, max_length=60)
    to_station: str = Field(min_length=1, max_length=60)
    base_version: int = Field(ge=0, description="the board version the suggestion was made on")
    gain_min: float = Field(ge=0, le=100_000)


class AcceptOut(ResponseModel):
    version: int
    shift_key: str
    operator_id: int
    line_id: int
    line_code: str
    reason: str


class SwapPartOut(ResponseModel):
    """In a job swap, the idle line's own next operation, which takes the other's slot."""

    operation_id: int
    order_number: str
    operation: str
    to_line: str
    planned_start: datetime
    start: datetime


class AlternateOut(ResponseModel):
    """One operation of the published plan that an idle line could start now
    (``kind`` alternate: the line is free; swap: the line's own next operation takes
    this one's slot, ``swap``): ``gain_min`` idle minutes it fills there within 30
    minutes, ``earlier_min`` how much sooner the operations end than planned."""

    kind: Literal["alternate", "swap"]
    operation_id: int
    order_number: str
    operation: str
    from_line: str
    to_line: str
    to_line_id: int
    planned_start: datetime
    start: datetime
    end: datetime
    gain_min: float
    earlier_min: float
    swap: SwapPartOut | None


class AlternatesOut(ResponseModel):
    """``plan_id``: the published plan the moves were worked out on (None: none);
    ``accept_available``: the caller may accept (``schedules:write``)."""

    plan_id: int | None
    moves: list[AlternateOut]
    accept_available: bool


class AlternateAcceptIn(Schema):
    """One alternate-machine move, as ``GET /idle/alternates`` returned it."""

    plan_id: int = Field(ge=1, description="the published plan the suggestion was made on")
    operation_id: int = Field(ge=1)
    to_line_id: int = Field(ge=1)
    swap_operation_id: int | None = Field(
        None, ge=1, description="a swap's other operation (the idle line's own next one)"
    )
    gain_min: float = Field(ge=0, le=100_000)


class AlternateAcceptedOut(ResponseModel):
    """The plan now published (a copy of the previous one with the move) and its reason."""

    plan_id: int
    superseded_plan_id: int
    reason: str
