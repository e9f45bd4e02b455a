"""Materials consumed by production (BOM components), their stock and expected deliveries.

Stock is one figure per material for the whole plant: the planner needs to know whether
an order can be kitted, not which shelf the reels are on. Per-site or per-location stock
can come later as a column of ``StockLevel``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class Material(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "materials"
    __audited__ = True
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")


class StockLevel(IdMixin, VersionedMixin, TimestampMixin, Base):
    """Quantity of a material on hand (in its unit), free for orders not yet started."""

    __tablename__ = "stock_levels"
    __audited__ = True
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="RESTRICT"), unique=True
    )
    quantity: Mapped[float] = mapped_column(Float, default=0.0)
    material: Mapped[Material] = relationship()


class ReceiptStatus(StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Receipt(IdMixin, VersionedMixin, TimestampMixin, Base):
    """An expected delivery (purchase order line): open until received or cancelled."""

    __tablename__ = "material_receipts"
    __audited__ = True
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[float] = mapped_column(Float)
    expected_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ReceiptStatus.OPEN, index=True)
    reference: Mapped[str] = mapped_column(String(80), default="")
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    material: Mapped[Material] = relationship()
