"""Request and response shapes of the planning API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from linewise.core.schemas import ResponseModel

Level = Literal["weighted_tardiness", "makespan", "bottleneck_idle", "changeovers"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _default_levels() -> list[Level]:
    return ["weighted_tardiness", "makespan", "changeovers"]


class ObjectiveIn(Strict):
    """Lexicographic levels; order weights come from order priority (1 → 5, 5 → 1)."""

    levels: list[Level] = Field(default_factory=_default_levels, min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> ObjectiveIn:
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("objective levels must be distinct")
        return self


class RunIn(Strict):
    horizon_days: int = Field(14, ge=1, le=90)
    time_limit_s: float = Field(10.0, ge=0.5, le=3600)
    num_workers: int = Field(2, ge=1, le=16)
    random_seed: int = Field(0, ge=0)
    objective: ObjectiveIn = Field(default_factory=ObjectiveIn)
    scenario_id: int | None = None


class ScenarioRunIn(Strict):
    horizon_days: int = Field(14, ge=1, le=90)
    time_limit_s: float = Field(10.0, ge=0.5, le=3600)
    num_workers: int = Field(2, ge=1, le=16)
    random_seed: int = Field(0, ge=0)
    objective: ObjectiveIn = Field(default_factory=ObjectiveIn)


class ProgressPointOut(BaseModel):
    elapsed: float
    objective: float
    bound: float
    gap: float


class RunOut(BaseModel):
    id: int
    kind: str
    status: str
    scenario_id: int | None
    params: dict[str, Any]
    reason: str | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    progress: list[ProgressPointOut]
    best_objective: float | None
    bound: float | None
    gap: float | None
    heuristic_plan_id: int | None
    plan_id: int | None
    error: str | None


class MoveIn(Strict):
    """``strict`` moves this operation only; ``push`` right-shifts the work after it."""

    start: AwareDatetime | None = None
    line_id: int | None = None
    version: int | None = None
    mode: Literal["strict", "push"] = "strict"

    @model_validator(mode="after")
    def _something(self) -> MoveIn:
        if self.start is None and self.line_id is None:
            raise ValueError("give a new start, a new line_id or both")
        return self


class PlacementIn(Strict):
    """Where one operation goes back to: its line and its start."""

    operation_id: int
    line_id: int
    start: AwareDatetime


class RestoreIn(Strict):
    """Operations put back where a move's answer said they were (undo) or went (redo)."""

    placements: list[PlacementIn] = Field(min_length=1, max_length=10_000)
    version: int | None = None


class PublishIn(Strict):
    version: int | None = None


class AdoptIn(Strict):
    """``plan_id``: the scenario plan the planner compared; refused if solved again since."""

    plan_id: int | None = None


class ScenarioIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    baseline_plan_id: int | None = None


class _Window(Strict):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class LineDownIn(_Window):
    kind: Literal["line_down"]
    line_id: int


class RushOrderIn(Strict):
    kind: Literal["rush_order"]
    product_id: int
    quantity: int = Field(gt=0, le=1_000_000)
    due_date: AwareDatetime
    release_date: AwareDatetime | None = None
    priority: int = Field(1, ge=1, le=5)
    number: str | None = Field(None, min_length=1, max_length=60)


class AbsentOperatorIn(_Window):
    kind: Literal["absent_operator"]
    operator_id: int


class ExtraShiftIn(_Window):
    kind: Literal["extra_shift"]
    line_ids: list[int] = Field(default_factory=list)
    crew: dict[str, int] | None = None


ChangeIn = Annotated[
    LineDownIn | RushOrderIn | AbsentOperatorIn | ExtraShiftIn, Field(discriminator="kind")
]


# --- plans, the Gantt, scenarios (responses) --------------------------------------------


class PlanSummaryOut(ResponseModel):
    id: int
    version: int
    kind: str
    status: str
    proposal: bool
    reason: str | None
    run_id: int | None
    scenario_id: int | None
    horizon_start: datetime
    horizon_end: datetime
    solver_status: str
    objective: dict[str, int]
    bound: float | None
    gap: float | None
    created_at: datetime
    published_at: datetime | None


class MaterialWaitOut(ResponseModel):
    """What an order's first operation waits for: a receipt (``until``), or a shortage."""

    code: str
    name: str
    unit: str
    until: datetime | None
    reference: str
    short: bool
    missing: float


class GanttOperationOut(ResponseModel):
    id: int
    operation_id: int | None
    order_id: int | None
    order_number: str
    product_code: str
    seq: int
    name: str
    line_id: int
    line_code: str | None
    start: datetime
    end: datetime
    setup_s: int
    due_date: datetime | None
    late: bool
    frozen: bool
    material_wait: MaterialWaitOut | None


class GanttLineOut(ResponseModel):
    line_id: int
    line_code: str
    line_name: str
    operations: list[GanttOperationOut]


class GanttOrderOut(ResponseModel):
    order_id: int | None
    order_number: str
    product_code: str
    due_date: datetime | None
    start: datetime
    end: datetime
    # The one lateness rule (production.lateness), as the order page and list say it.
    late: bool
    late_by_s: int | None
    # The plan's own tardiness (working seconds past the due date, never negative).
    tardiness_s: int
    operation_ids: list[int]
    material_wait: MaterialWaitOut | None


class PlanFiguresOut(ResponseModel):
    """A plan in the planner's terms: lateness, changeovers, end and the busiest line."""

    late_orders: int
    orders: int
    tardiness_s: int
    changeovers: int
    changeover_s: int
    makespan_end: datetime
    bottleneck_line_code: str | None
    bottleneck_utilization: float | None


class GanttOut(PlanSummaryOut):
    """A plan with its operations by line and, per order, its span and lateness."""

    figures: PlanFiguresOut
    warnings: list[str]
    lines: list[GanttLineOut]
    orders: list[GanttOrderOut]


class PlacementOut(ResponseModel):
    line_id: int
    line_code: str
    start: datetime
    end: datetime


class PushedOperationOut(ResponseModel):
    operation_id: int | None
    order_number: str
    seq: int
    line_id: int
    line_code: str
    from_start: datetime
    to_start: datetime
    from_end: datetime
    to_end: datetime
    delay_s: int


class OrderEndChangeOut(ResponseModel):
    order_number: str
    due_date: datetime | None
    end_before: datetime
    end_after: datetime
    tardiness_before_s: int
    tardiness_after_s: int


class MoveReportOut(ResponseModel):
    """What moved and by how much, and how the orders concerned end now."""

    mode: Literal["strict", "push"]
    operation_id: int | None
    order_number: str
    seq: int
    from_: PlacementOut = Field(alias="from")
    to: PlacementOut
    pushed: list[PushedOperationOut]
    orders: list[OrderEndChangeOut]
    requested_start: datetime
    snapped: bool  # the requested start was outside working time: moved to the next


class MovedGanttOut(GanttOut):
    move: MoveReportOut


class RestoredGanttOut(GanttOut):
    """The plan after an undo or redo; ``restored`` lists each operation that moved."""

    restored: list[PushedOperationOut]


class NextOperationOut(ResponseModel):
    operation_id: int | None
    order_id: int | None
    order_number: str
    product_code: str
    seq: int
    name: str
    start: datetime
    end: datetime
    setup_s: int
    due_date: datetime | None
    status: str | None


class NextOperationsOut(ResponseModel):
    """The published plan's next operations on a line (``plan_id`` null: none published)."""

    plan_id: int | None
    published_at: datetime | None = None
    line_id: int
    line_code: str
    operations: list[NextOperationOut]


# A scenario's changes as stored: the request's fields (times as ISO strings) and an id.
class _ChangeOut(ResponseModel):
    id: int


class _WindowOut(_ChangeOut):
    start: str
    end: str


class LineDownOut(_WindowOut):
    kind: Literal["line_down"]
    line_id: int


class RushOrderOut(_ChangeOut):
    kind: Literal["rush_order"]
    product_id: int
    quantity: int
    due_date: str
    release_date: str | None = None
    priority: int = 1
    number: str | None = None


class AbsentOperatorOut(_WindowOut):
    kind: Literal["absent_operator"]
    operator_id: int


class ExtraShiftOut(_WindowOut):
    kind: Literal["extra_shift"]
    line_ids: list[int] = []
    crew: dict[str, int] | None = None


ChangeOut = Annotated[
    LineDownOut | RushOrderOut | AbsentOperatorOut | ExtraShiftOut, Field(discriminator="kind")
]


class ScenarioOut(ResponseModel):
    id: int
    name: str
    version: int
    created_at: datetime
    baseline_plan_id: int | None
    plan_id: int | None
    changes: list[ChangeOut]
    adopted_plan_id: int | None


class PlanTotalsOut(ResponseModel):
    weighted_tardiness: int
    tardiness_s: int
    late_orders: int
    orders: int
    makespan_end: datetime
    makespan_s: int
    changeovers: int
    idle_s: int
    utilization: float


class PlanDeltaOut(ResponseModel):
    """Scenario minus baseline, for every numeric total."""

    weighted_tardiness: int
    tardiness_s: int
    late_orders: int
    orders: int
    makespan_s: int
    changeovers: int
    idle_s: int
    utilization: float


class OrderComparisonOut(ResponseModel):
    order_number: str
    due_date: datetime | None
    baseline_end: datetime | None
    scenario_end: datetime | None
    baseline_tardiness_s: int | None
    scenario_tardiness_s: int | None
    delta_tardiness_s: int
    only_in: Literal["scenario", "baseline"] | None


class LineFiguresOut(ResponseModel):
    line_id: int
    line_code: str
    available_s: int
    busy_s: int
    setup_s: int
    idle_s: int
    changeovers: int
    utilization: float


class LineComparisonOut(ResponseModel):
    line_id: int
    line_code: str
    baseline: LineFiguresOut | None
    scenario: LineFiguresOut | None


class PredictedCostOut(ResponseModel):
    labour: float
    machine: float
    material: float
    scrap: float
    total: float


class PlanPredictionOut(ResponseModel):
    """A plan at the rates learned from the floor: its predicted finish (the last order's)
    and late orders, the scrap and rework units the trained model expects on the lines it
    chose, and the cost still to spend, priced with the factory's rates."""

    finish: datetime | None
    late_orders: int
    scrap_units: float
    rework_units: float
    cost: PredictedCostOut


class ComparisonPredictedOut(ResponseModel):
    currency: str
    baseline: PlanPredictionOut
    scenario: PlanPredictionOut


class ComparisonOut(ResponseModel):
    scenario_id: int
    baseline_plan_id: int
    scenario_plan_id: int
    baseline: PlanTotalsOut
    scenario: PlanTotalsOut
    delta: PlanDeltaOut
    orders: list[OrderComparisonOut]
    lines: list[LineComparisonOut]
    predicted: ComparisonPredictedOut


class AssumptionOut(ResponseModel):
    change_id: int
    kind: str
    text: str


class CreatedOrderOut(ResponseModel):
    """A production order that publishing the scenario created from its rush order."""

    id: int
    number: str
    change_id: int


class AdoptionOut(ResponseModel):
    plan: PlanSummaryOut
    scenario_id: int
    scenario_plan_id: int
    superseded_plan_id: int | None
    assumptions: list[AssumptionOut]
    created_orders: list[CreatedOrderOut]


class PublishRefusalOut(ResponseModel):
    """One reason a scenario cannot be published now (``code`` is stable for clients)."""

    field: str
    message: str
    code: str
    published_plan_id: int | None = None


class RushOrderPreviewOut(ResponseModel):
    """A production order that publishing will create from a rush order change."""

    change_id: int
    number: str
    product_id: int
    quantity: int
    due_date: datetime


class PublishCheckOut(ResponseModel):
    """Publishing asked without publishing: every refusal, and what it would create."""

    scenario_id: int
    scenario_plan_id: int | None
    publishable: bool
    refusals: list[PublishRefusalOut]
    creates_orders: list[RushOrderPreviewOut]
    assumptions: list[AssumptionOut]
