"""Materials consumed by production (BOM components), their stock and expected deliveries.

Stock is one figure per material for the whole plant: the planner needs to know whether
an order can be kitted, not which shelf the reels are on. Per-site or per-location stock
can come later as a column of ``StockLevel``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import true as sa_true

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class Material(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "materials"
    __audited__ = True
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    # Backflushed from counts (else issued by hand), with this share added for scrap
    # (0.02 = 2 % more than the BOM says).
    backflush: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    scrap_factor: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # Below this available quantity (on hand − reserved, in its unit) it is listed to
    # reorder; None: not watched.
    reorder_level: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    # A sub-assembly: this material is made in-house by orders of that product (their
    # good units are received as this material), else it is bought.
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), unique=True, nullable=True
    )


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
    # Booked in so far through the ledger (partial deliveries); received when it reaches
    # ``quantity``.
    received_quantity: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    material: Mapped[Material] = relationship()


# --- the material ledger -----------------------------------------------------------------
#
# Items are what the ledger counts: the existing materials (raw materials, components)
# and the products (finished goods), one ``stock_items`` row each, made on first use.
# Movements are append-only; stock on hand per (item, location, lot) is their sum, kept
# as a projection in the same transaction as the movement.


class LocationKind(StrEnum):
    STORE = "store"
    LINE_SIDE = "line_side"
    WIP = "wip"
    FINISHED_GOODS = "finished_goods"
    QUARANTINE = "quarantine"


class NegativePolicy(StrEnum):
    ALLOW = "allow"  # book it, flag the movement
    REFUSE = "refuse"  # a manual movement that would take stock below zero is refused


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    BACKFLUSH = "backflush"
    PRODUCTION_RECEIPT = "production_receipt"
    SCRAP = "scrap"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"
    COUNT = "count"
    REVERSAL = "reversal"
    OPENING = "opening"  # an opening balance taken over from the old stock levels
    SHIPMENT = "shipment"


class StockItem(IdMixin, Base):
    """A material or a product as the ledger sees it (exactly one of the two is set)."""

    __tablename__ = "stock_items"
    __table_args__ = (
        CheckConstraint("(material_id IS NULL) <> (product_id IS NULL)", name="one_kind"),
    )
    material_id: Mapped[int | None] = mapped_column(
        ForeignKey("materials.id", ondelete="RESTRICT"), unique=True, nullable=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), unique=True, nullable=True
    )


class StockLocation(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A place stock is kept at a site: a store, a line's line-side rack, WIP, finished
    goods or quarantine."""

    __tablename__ = "stock_locations"
    __audited__ = True
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("lines.id", ondelete="SET NULL"), nullable=True, index=True
    )
    negative: Mapped[str] = mapped_column(String(10), default=NegativePolicy.ALLOW)


class StockMovement(IdMixin, Base):
    """One line of the ledger. Never updated or deleted: a correction is a new movement.

    ``qty`` is positive; it leaves ``from_location_id`` and arrives at ``to_location_id``
    (a receipt has no origin, a consumption no destination). ``cause_key`` is unique: it
    names what caused the movement (a count event, a terminal report, a person's
    request, the movement a reversal undoes), so a replay of the same cause is a no-op.
    """

    __tablename__ = "stock_movements"
    kind: Mapped[str] = mapped_column(String(20), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id", ondelete="RESTRICT"))
    qty: Mapped[float] = mapped_column(Float)
    from_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_locations.id", ondelete="RESTRICT"), nullable=True
    )
    to_location_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_locations.id", ondelete="RESTRICT"), nullable=True
    )
    lot: Mapped[str] = mapped_column(String(80), default="")
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("production_orders.id", ondelete="SET NULL"), nullable=True, index=True
    )
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_operations.id", ondelete="SET NULL"), nullable=True
    )
    receipt_id: Mapped[int | None] = mapped_column(
        ForeignKey("material_receipts.id", ondelete="SET NULL"), nullable=True
    )
    cause: Mapped[str] = mapped_column(String(20))  # count | report | user
    cause_ref: Mapped[str] = mapped_column(String(120), default="")
    cause_key: Mapped[str] = mapped_column(String(200), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(120), default="")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_movements.id", ondelete="RESTRICT"), unique=True, nullable=True
    )
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # A shipment's customer order (where the finished units went).
    customer_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="SET NULL"), nullable=True
    )
    # A spare part used on a maintenance order (and its reversal): the order is the cause.
    maintenance_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_orders.id", ondelete="SET NULL"), nullable=True, index=True
    )


class StockOnHand(Base):
    """Stock per item, location and lot: the sum of the ledger, kept by the ledger."""

    __tablename__ = "stock_on_hand"
    item_id: Mapped[int] = mapped_column(
        ForeignKey("stock_items.id", ondelete="RESTRICT"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("stock_locations.id", ondelete="RESTRICT"), primary_key=True
    )
    lot: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    qty: Mapped[float] = mapped_column(Float, default=0.0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())  # FIFO order of lots


class UnitConversion(IdMixin, VersionedMixin, TimestampMixin, Base):
    """``1 from_unit = factor × to_unit``, for one material (a reel of 5,000 pcs) or for
    every material (``material_id`` NULL: kg → g)."""

    __tablename__ = "unit_conversions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("material_id", "from_unit", "to_unit"),)
    material_id: Mapped[int | None] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), nullable=True, index=True
    )
    from_unit: Mapped[str] = mapped_column(String(20))
    to_unit: Mapped[str] = mapped_column(String(20))
    factor: Mapped[float] = mapped_column(Float)
