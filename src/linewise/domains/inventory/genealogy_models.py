"""Genealogy tables: which lots went into which, kept at consumption time.

A *trace lot* is one (item, lot) pair the genealogy knows: a component lot (a reel), a
sub-assembly lot or a finished lot (the order number, as backflush receives it). A
*trace link* says that ``qty`` of the child lot went into the parent lot; it is kept
net of reversals by an upsert in the transaction that posts the consumption, so a
trace never reads the ledger. A *trace shipment* says how much of a finished lot went
to a customer order.

The ledger has one movement per consumption (millions of rows); these tables have one
row per pair of lots, indexed both ways, so a trace walks only the lots it reaches
(a recursive query, the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base
from linewise.core.models_base import IdMixin


class TraceLot(IdMixin, Base):
    __tablename__ = "trace_lots"
    __table_args__ = (UniqueConstraint("item_id", "lot"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("stock_items.id", ondelete="RESTRICT"))
    lot: Mapped[str] = mapped_column(String(80))
    # The order that made this lot (finished goods and sub-assemblies), else none.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("production_orders.id", ondelete="SET NULL"), nullable=True
    )


class TraceLink(Base):
    """``qty`` of ``child`` went into ``parent`` (net of reversals)."""

    __tablename__ = "trace_links"
    __table_args__ = (Index("ix_trace_links_child", "child_id", "parent_id"),)
    parent_id: Mapped[int] = mapped_column(
        ForeignKey("trace_lots.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[int] = mapped_column(
        ForeignKey("trace_lots.id", ondelete="CASCADE"), primary_key=True
    )
    qty: Mapped[float] = mapped_column(Float, default=0.0)


class TraceShipment(Base):
    """``qty`` of a finished lot shipped to a customer order (net of reversals)."""

    __tablename__ = "trace_shipments"
    lot_id: Mapped[int] = mapped_column(
        ForeignKey("trace_lots.id", ondelete="CASCADE"), primary_key=True
    )
    customer_order_id: Mapped[int] = mapped_column(
        ForeignKey("customer_orders.id", ondelete="RESTRICT"), primary_key=True
    )
    qty: Mapped[float] = mapped_column(Float, default=0.0)
    movements: Mapped[int] = mapped_column(Integer, default=0)
