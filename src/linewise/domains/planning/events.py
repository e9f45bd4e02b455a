"""Events of planning: a plan published, a re-plan proposed; published after commit."""

from __future__ import annotations

from dataclasses import dataclass

from linewise.core.events import DomainEvent, domain_event


@domain_event("planning.plan_published")
@dataclass(frozen=True)
class PlanPublished(DomainEvent):
    """``plan_id`` is now the plan the floor works from (``superseded_id`` was)."""

    plan_id: int
    superseded_id: int | None
    scenario_id: int | None


@domain_event("planning.replan_proposed")
@dataclass(frozen=True)
class ReplanProposed(DomainEvent):
    """A re-plan around a disruption waits for the planner to accept or reject it."""

    plan_id: int
    run_id: int
    reason: str
