"""The cost rates the factory sets: what an hour of a line and its crew costs, and what
a unit of each material costs. Predicted order costs (``costing.py``) are priced with
them; nothing here is learned.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class CostSettings(IdMixin, VersionedMixin, TimestampMixin, Base):
    """The site's defaults (one row): currency, labour and machine-hour rates."""

    __tablename__ = "cost_settings"
    __audited__ = True
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # per working hour of a line: its crew (labour) and the line itself (machine time)
    labour_per_h: Mapped[float] = mapped_column(Float, default=0.0)
    machine_per_h: Mapped[float] = mapped_column(Float, default=0.0)


class LineCostRate(IdMixin, Base):
    """A line's own rates where they differ from the site's (None: the site's)."""

    __tablename__ = "line_cost_rates"
    __audited__ = True
    line_id: Mapped[int] = mapped_column(
        ForeignKey("lines.id", ondelete="CASCADE"), unique=True, index=True
    )
    labour_per_h: Mapped[float | None] = mapped_column(Float, nullable=True)
    machine_per_h: Mapped[float | None] = mapped_column(Float, nullable=True)


class MaterialCost(IdMixin, Base):
    """What one unit (in the material's own unit) of a material costs."""

    __tablename__ = "material_costs"
    __audited__ = True
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), unique=True, index=True
    )
    unit_cost: Mapped[float] = mapped_column(Float)
