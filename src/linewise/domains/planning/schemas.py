"""Request and response shapes of the planning API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

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
