"""Trained prediction models with their evaluation, one row per version.

The ``delivery.train`` job learns scrap and rework rates (and the product-mean
baselines) from the finished orders, measures them on the most recently finished ones
held out, and stores the result here; reads use the latest version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin


class DeliveryModel(IdMixin, Base):
    __tablename__ = "delivery_models"
    __table_args__ = (UniqueConstraint("kind", "version"),)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())
    orders: Mapped[int] = mapped_column(Integer)  # finished orders it learned from
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
