"""Earlier delivery predictions: what calibrates the intervals and risks of later ones.

The ``delivery.snapshot`` job stores each open order's ETA every hour; once the order is
done, the working time that really remained beside the predicted one is a conformal
residual (``analytics/delivery.py``). Rows older than ``KEEP_DAYS`` are pruned by it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin


class DeliveryPrediction(IdMixin, Base):
    __tablename__ = "delivery_predictions"
    __table_args__ = (UniqueConstraint("order_id", "made_at"),)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("production_orders.id", ondelete="CASCADE"), index=True
    )
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    eta: Mapped[datetime] = mapped_column(UTCDateTime())
    # working seconds from made_at to eta in the calendar of ``line_id`` (the last stage's)
    predicted_s: Mapped[float] = mapped_column(Float)
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("lines.id", ondelete="SET NULL"), nullable=True
    )
    p_late: Mapped[float] = mapped_column(Float)
    stages_open: Mapped[int] = mapped_column(Integer, default=0)


class DeliveryEstimate(Base):
    """Each open order's latest estimate, rewritten by the ``delivery.refresh`` job.

    The one lateness verdict (``production/lateness``) and the Orders list's SQL filter
    and sort read the ETA and risk from here, so that they agree without forecasting
    every open order on each read (the forecast needs all of them: the queue ahead).
    """

    __tablename__ = "delivery_estimates"
    order_id: Mapped[int] = mapped_column(
        ForeignKey("production_orders.id", ondelete="CASCADE"), primary_key=True
    )
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    eta: Mapped[datetime] = mapped_column(UTCDateTime())
    eta_low: Mapped[datetime] = mapped_column(UTCDateTime())
    eta_high: Mapped[datetime] = mapped_column(UTCDateTime())
    p_late: Mapped[float] = mapped_column(Float)
    calibrated: Mapped[bool] = mapped_column(Boolean, default=False)
    # the first stage behind its plan (``_order_out``'s ``delay``), or null
    delay: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # each stage's expected start and end beside its plan (``service.stage_rows``, times
    # as ISO strings): the order page's panel and the lateness attribution read them
    stages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    # the run's figures, the same on every row of one refresh
    calibration_size: Mapped[int] = mapped_column(Integer, default=0)
    rate_samples: Mapped[int] = mapped_column(Integer, default=0)
