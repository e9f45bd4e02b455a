"""Routes: ETA and late risk of open orders, delays, bottlenecks, lateness by stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.delivery import service
from linewise.domains.delivery.schemas import (
    DeliveryAttributionOut,
    DeliveryBottlenecksOut,
    DeliveryOrderDetailOut,
    DeliveryOrdersOut,
)

router = APIRouter(tags=["delivery"])
READ = "orders:read"
MAX_WINDOW = {"shift": timedelta(days=14), "day": timedelta(days=62), "week": timedelta(days=182)}


def _order_out(ctx: service.Context, e: service.OrderEstimate) -> dict[str, Any]:
    delay = service.delay_out(ctx, e.delay)
    o = e.order
    return {
        "order_id": o.id,
        "number": o.number,
        "product_code": o.product.code,
        "status": o.status,
        "quantity": o.quantity,
        "due_date": o.due_date,
        "eta": e.estimate.finish,
        "eta_low": e.estimate.low,
        "eta_high": e.estimate.high,
        "p_late": round(e.estimate.p_late, 4),
        "late_by_min": round((e.estimate.finish - o.due_date).total_seconds() / 60, 1),
        "calibrated": e.estimate.calibrated,
        "delay": delay,
    }


@router.get("/delivery/orders", response_model=DeliveryOrdersOut)
def delivery_orders(
    limit: int = Query(200, ge=1, le=5000),
    _p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Every open order with its ETA (the published plan, live progress, learned rates and
    the queue ahead), the 80 % interval and the probability of finishing after the due
    date, riskiest first; ``delay``: the first stage behind its plan and why. Read from
    the latest ``delivery.refresh`` run when one ran in the last 30 minutes (``stored``),
    else computed for this read (every open order: seconds for thousands)."""
    now = utcnow()
    stored = service.stored_orders(db, now, limit)
    if stored is not None:
        return stored
    ctx = service.load(db, now)
    items = [_order_out(ctx, e) for e in service.estimates(ctx)[:limit]]
    return {
        "as_of": now,
        "stored": False,
        "calibration_size": ctx.calibration.size,
        "rate_samples": ctx.rates.samples,
        "items": items,
    }


@router.get("/delivery/orders/{order_id}", response_model=DeliveryOrderDetailOut)
def delivery_order(
    order_id: int,
    _p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """One open order's estimate with each stage's expected start and end (404 when the
    order does not exist or is no longer open). Read from the latest ``delivery.refresh``
    run when it is fresh (``stored``, ``as_of`` its time), else computed for this read."""
    now = utcnow()
    stored = service.stored_order(db, order_id, now)
    if stored is not None:
        return stored
    ctx = service.load(db, now)
    found = next((e for e in service.estimates(ctx) if e.order.id == order_id), None)
    if found is None:
        raise NotFound(f"open production order {order_id} not found")
    ops = {op.seq: op for op in found.order.operations}
    stages = [
        s | {"name": ops[s["seq"]].name, "status": ops[s["seq"]].status}
        for s in service.stage_rows(ctx, found)
    ]
    return _order_out(ctx, found) | {"stages": stages, "stored": False, "as_of": now}


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _window(
    start: datetime | None, end: datetime | None, default: timedelta, most: timedelta
) -> tuple[datetime, datetime]:
    for name, value in (("from", start), ("to", end)):
        if value is not None and not EARLIEST <= value < LATEST:
            raise ValidationProblem(
                f"'{name}' out of range", errors=[FieldError(name, "must be from 1970 to 2199")]
            )
    end = end or utcnow()
    start = start or end - default
    if end <= start:
        raise ValidationProblem(
            "'to' must be after 'from'", errors=[FieldError("to", "must be after 'from'")]
        )
    if end - start > most:
        raise ValidationProblem(
            "window too long",
            errors=[FieldError("from", f"at most {most.days} days before 'to'")],
        )
    return start, end


@router.get("/delivery/bottlenecks", response_model=DeliveryBottlenecksOut)
def delivery_bottlenecks(
    period: Literal["shift", "day", "week"] = Query("day"),
    start: AwareDatetime | None = Query(None, alias="from"),
    end: AwareDatetime | None = Query(None, alias="to"),
    _p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Per period (8-hour shifts, days or weeks) the share of time each line was the sole
    or a shifting bottleneck by the active period method, from the measured machine
    states; beside it the plan's utilization per line (the planned bottleneck)."""
    default = {"shift": timedelta(days=1), "day": timedelta(days=7), "week": timedelta(days=28)}
    a, b = _window(start, end, default[period], MAX_WINDOW[period])
    return service.bottlenecks(db, a, b, period)


@router.get("/delivery/attribution", response_model=DeliveryAttributionOut)
def delivery_attribution(
    start: AwareDatetime | None = Query(None, alias="from"),
    end: AwareDatetime | None = Query(None, alias="to"),
    _p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Which stage causes the delays of the orders due in the window (default: this week
    and the next): their lateness minutes shared among lines by queue beyond plan and
    time lost against plan, with the orders behind each; waiting between stages. Open
    orders count with the ETAs of the latest refresh when it covers them all."""
    now = utcnow()
    _window(start, end, timedelta(days=14), timedelta(days=3660))  # the range check
    a = start or now - timedelta(days=7)
    b = end or now + timedelta(days=7)
    a, b = _window(a, b, timedelta(days=14), timedelta(days=92))
    return service.attribution_at(db, now, a, b)
