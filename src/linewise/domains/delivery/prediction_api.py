"""Routes: an order's predicted completion, scrap, rework and cost; the trained models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.core.time import utcnow
from linewise.domains.delivery import predictions, training
from linewise.domains.delivery.schemas import (
    DeliveryModelOut,
    DeliveryOrderPredictionOut,
    DeliveryTrainOut,
)
from linewise.jobs import queue

router = APIRouter(tags=["delivery"])


@router.get("/delivery/orders/{order_id}/prediction", response_model=DeliveryOrderPredictionOut)
def order_prediction(
    order_id: int,
    _p: Principal = Depends(require("orders:read")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """An open order's completion (the delivery ETA), scrap, rework and cost, each beside
    the plan itself and the historical mean of its product (404 when not open)."""
    return predictions.order_prediction(db, order_id, utcnow())


@router.get("/delivery/models", response_model=list[DeliveryModelOut])
def delivery_models(
    _p: Principal = Depends(require("orders:read")),
    db: Session = Depends(get_db),
) -> list[dict[str, Any]]:
    """The latest trained scrap/rework models, newest first, with their evaluation on the
    held-out orders."""
    out = []
    for row in training.recent(db):
        learned = training.Learned.from_json(row.params, row.orders)
        out.append(predictions.model_out(row, learned))
    return out


@router.post("/delivery/models/train", status_code=202, response_model=DeliveryTrainOut)
def train_now(
    _p: Principal = Depends(require("masterdata:write")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Train a new version now, in the background (the job queue); the nightly run does
    the same. Pressed twice in a minute: one job."""
    key = f"{training.TRAIN_KIND}:{utcnow():%Y%m%d%H%M}"
    return {"job_id": queue.enqueue(db, training.TRAIN_KIND, {}, idempotency_key=key)}
