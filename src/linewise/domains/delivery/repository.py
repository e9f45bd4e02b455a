"""The stored estimates (``DeliveryEstimate``) as the lateness verdict and SQL read them.

An estimate counts while it is younger than ``FRESH_FOR``: the refresh job rewrites every
open order's row each minute by default, so an older row means the job has stopped and
its ETA no longer follows the floor; the order is then judged on its plan again. The
Python reader (``current``) and the SQL one (``current_subquery``) apply the same cut-off
at the same ``now``, so that the verdict and the list filter agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Subquery, select
from sqlalchemy.orm import Session

from linewise.domains.delivery.models import DeliveryEstimate

FRESH_FOR = timedelta(minutes=30)


def current(db: Session, order_ids: Iterable[int], now: datetime) -> dict[int, DeliveryEstimate]:
    """The fresh stored estimate of each of these orders that has one, by order id."""
    ids = list(order_ids)
    if not ids:
        return {}
    out: dict[int, DeliveryEstimate] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        rows = db.scalars(
            select(DeliveryEstimate).where(
                DeliveryEstimate.order_id.in_(chunk),
                DeliveryEstimate.made_at >= now - FRESH_FOR,
            )
        )
        out.update({r.order_id: r for r in rows})
    return out


def current_subquery(now: datetime) -> Subquery:
    """``order_id``, ``eta`` and ``p_late`` of the fresh estimates, to outer-join."""
    return (
        select(DeliveryEstimate.order_id, DeliveryEstimate.eta, DeliveryEstimate.p_late)
        .where(DeliveryEstimate.made_at >= now - FRESH_FOR)
        .subquery("live_estimate")
    )


def all_current(db: Session, now: datetime) -> list[DeliveryEstimate]:
    """Every fresh estimate (the Deliveries page's list), riskiest first."""
    return list(
        db.scalars(
            select(DeliveryEstimate)
            .where(DeliveryEstimate.made_at >= now - FRESH_FOR)
            .order_by(DeliveryEstimate.p_late.desc(), DeliveryEstimate.order_id)
        )
    )
