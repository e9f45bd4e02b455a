"""Products, routings, BOMs and orders (customer order → production order → operations)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin
from linewise.domains.equipment.models import Line
from linewise.domains.inventory.models import Material


class Product(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "products"
    __audited__ = True
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(60), default="")
    steps: Mapped[list[RoutingStep]] = relationship(
        back_populates="product", order_by="RoutingStep.seq", cascade="all, delete-orphan"
    )
    bom: Mapped[list[BomItem]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )


class RoutingStep(IdMixin, VersionedMixin, TimestampMixin, Base):
    """One operation of a product's routing, runnable on any of its eligible lines."""

    __tablename__ = "routing_steps"
    __audited__ = True
    __table_args__ = (UniqueConstraint("product_id", "seq"),)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_type: Mapped[str] = mapped_column(String(10))
    setup_time_s: Mapped[float] = mapped_column(Float, default=0.0)
    setup_family: Mapped[str] = mapped_column(String(60), default="")
    skill: Mapped[str] = mapped_column(String(60), default="")
    splittable: Mapped[bool] = mapped_column(Boolean, default=True)
    min_wait_s: Mapped[float] = mapped_column(Float, default=0.0)
    max_wait_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    product: Mapped[Product] = relationship(back_populates="steps")
    eligible: Mapped[list[RoutingStepLine]] = relationship(
        back_populates="step", cascade="all, delete-orphan", order_by="RoutingStepLine.id"
    )


class RoutingStepLine(IdMixin, Base):
    """A line that can run a routing step, with the ideal cycle time per unit there."""

    __tablename__ = "routing_step_lines"
    __audited__ = True
    __table_args__ = (UniqueConstraint("step_id", "line_id"),)
    step_id: Mapped[int] = mapped_column(ForeignKey("routing_steps.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="RESTRICT"))
    cycle_time_s: Mapped[float] = mapped_column(Float)
    step: Mapped[RoutingStep] = relationship(back_populates="eligible")
    line: Mapped[Line] = relationship()


class BomItem(IdMixin, VersionedMixin, Base):
    __tablename__ = "bom_items"
    __audited__ = True
    __table_args__ = (UniqueConstraint("product_id", "material_id"),)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="RESTRICT"))
    quantity_per_unit: Mapped[float] = mapped_column(Float)
    # The routing step (seq) that consumes it; none: the first step, where the kit goes on.
    step_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    product: Mapped[Product] = relationship(back_populates="bom")
    material: Mapped[Material] = relationship()


class OrderStatus(StrEnum):
    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OperationStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class CustomerOrder(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "customer_orders"
    __audited__ = True
    number: Mapped[str] = mapped_column(String(60), unique=True)
    customer: Mapped[str] = mapped_column(String(200))


class ProductionOrder(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "production_orders"
    __audited__ = True
    number: Mapped[str] = mapped_column(String(60), unique=True)
    customer_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="SET NULL"), nullable=True, index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    release_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_date: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PLANNED, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    customer_order: Mapped[CustomerOrder | None] = relationship()
    product: Mapped[Product] = relationship()
    operations: Mapped[list[OrderOperation]] = relationship(
        back_populates="order", order_by="OrderOperation.seq", cascade="all, delete-orphan"
    )


class OrderOperation(IdMixin, VersionedMixin, TimestampMixin, Base):
    """One routing step of one production order, with its own status and quantities."""

    __tablename__ = "order_operations"
    __audited__ = True
    __table_args__ = (UniqueConstraint("order_id", "seq"),)
    order_id: Mapped[int] = mapped_column(ForeignKey("production_orders.id", ondelete="CASCADE"))
    step_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_steps.id", ondelete="SET NULL"), nullable=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_type: Mapped[str] = mapped_column(String(10))
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("lines.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=OperationStatus.PENDING)
    quantity: Mapped[int] = mapped_column(Integer)
    good_qty: Mapped[int] = mapped_column(Integer, default=0)
    scrap_qty: Mapped[int] = mapped_column(Integer, default=0)
    rework_qty: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    order: Mapped[ProductionOrder] = relationship(back_populates="operations")
    line: Mapped[Line | None] = relationship()
