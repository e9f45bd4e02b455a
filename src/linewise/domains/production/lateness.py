"""One lateness: when an order finishes against its due date.

The Orders list filter, the order page and the Gantt all answer "is this order late?"
from here (the list filter through ``repository.late_condition``, the same rule in SQL),
so that they cannot disagree. The rule, also in docs/api.md ("Lateness"):

- a cancelled order is never late and has no finish;
- a completed order finishes at its actual completion (basis ``actual``);
- an open order finishes at its expected finish — its live ETA (basis ``eta``: the
  delivery estimate stored by the ``delivery.refresh`` job, while fresh; see
  ``live_estimates``), else the finish of its last operation in the published plan
  (basis ``plan``) — but never before now, since it is not done yet (basis ``now`` when now is
  later: an overdue order with no plan, or a plan whose finish has already passed);
- an open order with neither an expected finish nor a past due date has no finish yet.

``late_by_s`` is finish − due in whole seconds (rounded up; negative: that much ahead of
the due date) and ``is_late`` is ``finish > due``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.delivery import repository as delivery
from linewise.domains.planning import repository as planning
from linewise.domains.production import repository
from linewise.domains.production.models import OrderStatus, ProductionOrder

FinishBasis = Literal["actual", "eta", "plan", "now"]


@dataclass(frozen=True)
class Verdict:
    """When an order finishes (or is expected to) and how that compares to its due date."""

    finish: datetime | None
    basis: FinishBasis | None
    late_by_s: int | None
    is_late: bool


@dataclass(frozen=True)
class StagePlan:
    """Where and when the published plan runs one operation of an order."""

    line_id: int
    line_code: str
    line_name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class LiveEstimate:
    """The delivery forecast of an open order: ETA, its 80 % interval, the late risk."""

    eta: datetime
    low: datetime
    high: datetime
    p_late: float
    made_at: datetime


@dataclass(frozen=True)
class OrderLateness:
    """An order's planned span (per operation and overall), ETA and lateness."""

    verdict: Verdict
    plan_id: int | None = None
    planned_start: datetime | None = None
    planned_finish: datetime | None = None
    eta: datetime | None = None
    stages: Mapping[int, StagePlan] = field(default_factory=dict)
    live: LiveEstimate | None = None


NOT_PLANNED = Verdict(None, None, None, False)


def judge(
    *,
    status: str,
    due: datetime,
    completed_at: datetime | None,
    planned_finish: datetime | None,
    eta: datetime | None,
    now: datetime,
) -> Verdict:
    """The lateness rule (see the module docstring); pure, for every reader."""
    finish: datetime | None
    basis: FinishBasis | None
    if status == OrderStatus.CANCELLED:
        return NOT_PLANNED
    if status == OrderStatus.COMPLETED:
        finish, basis = completed_at, "actual" if completed_at is not None else None
    else:
        expected, basis = (eta, "eta") if eta is not None else (planned_finish, "plan")
        if expected is None:
            basis = None
        if expected is None and now <= due:
            finish = None
        elif expected is None or expected < now:
            finish, basis = now, "now"
        else:
            finish = expected
    if finish is None:
        return Verdict(None, basis, None, False)
    return Verdict(
        finish=finish,
        basis=basis,
        late_by_s=math.ceil((finish - due).total_seconds()),
        is_late=finish > due,
    )


def live_estimates(db: Session, order_ids: Iterable[int], now: datetime) -> dict[int, LiveEstimate]:
    """The live delivery estimate of orders that have a fresh one, by order id.

    ``repository.late_condition`` reads the same stored ETA with the same cut-off
    (``delivery.repository.FRESH_FOR``) in SQL, so that the list filter agrees.
    """
    return {
        oid: LiveEstimate(r.eta, r.eta_low, r.eta_high, r.p_late, r.made_at)
        for oid, r in delivery.current(db, order_ids, now).items()
    }


def of_orders(
    db: Session, orders: Iterable[ProductionOrder], now: datetime | None = None
) -> dict[int, OrderLateness]:
    """Planned spans from the published plan, ETA and verdict of each order, by id."""
    now = now or utcnow()
    orders = list(orders)
    ids = [o.id for o in orders]
    plan_id, spans = planning.published_spans(db, ids)
    live = live_estimates(db, ids, now)
    stages: dict[int, dict[int, StagePlan]] = {oid: {} for oid in ids}
    start: dict[int, datetime] = {}
    finish: dict[int, datetime] = {}
    for s in spans:
        start[s.order_id] = min(start.get(s.order_id, s.start), s.start)
        finish[s.order_id] = max(finish.get(s.order_id, s.end), s.end)
        if s.operation_id is not None:
            stages[s.order_id][s.operation_id] = StagePlan(
                s.line_id, s.line_code, s.line_name, s.start, s.end
            )
    out: dict[int, OrderLateness] = {}
    for order in orders:
        verdict = judge(
            status=order.status,
            due=order.due_date,
            completed_at=order.completed_at,
            planned_finish=finish.get(order.id),
            eta=_eta(order, live),
            now=now,
        )
        out[order.id] = OrderLateness(
            verdict=verdict,
            plan_id=plan_id if order.id in finish else None,
            planned_start=start.get(order.id),
            planned_finish=finish.get(order.id),
            eta=_eta(order, live),
            stages=stages[order.id],
            live=live.get(order.id) if order.status in OPEN else None,
        )
    return out


def of_plan_finishes(
    db: Session,
    finishes: Mapping[int, datetime],
    now: datetime | None = None,
    *,
    published: bool = True,
) -> dict[int, Verdict]:
    """The verdict on each order (by id) if it finished where a given plan puts it.

    The Gantt judges its orders with this: for the published plan it is exactly the
    order page's verdict (live ETA included); for a draft (``published=False``) it is
    the verdict on the draft's finish alone, since the live ETA forecasts the published
    plan and would hide what the draft changes. Orders that no longer exist are left out.
    """
    now = now or utcnow()
    live = live_estimates(db, finishes, now) if published else {}
    return {
        order.id: judge(
            status=order.status,
            due=order.due_date,
            completed_at=order.completed_at,
            planned_finish=finishes[order.id],
            eta=_eta(order, live),
            now=now,
        )
        for order in repository.orders_by_id(db, list(finishes))
    }


OPEN = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD)


def _eta(order: ProductionOrder, live: Mapping[int, LiveEstimate]) -> datetime | None:
    """The live ETA of an open order (a closed one is judged on what happened)."""
    found = live.get(order.id) if order.status in OPEN else None
    return found.eta if found is not None else None
