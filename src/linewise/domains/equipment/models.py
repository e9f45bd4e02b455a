"""ISA-95 equipment hierarchy: site → area → line (work center) → machine (work unit)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class LineType(StrEnum):
    SMT = "SMT"
    DIP = "DIP"
    TEST = "TEST"
    PACK = "PACK"
    OTHER = "OTHER"


class Site(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "sites"
    __audited__ = True
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    areas: Mapped[list[Area]] = relationship(back_populates="site", order_by="Area.code")


class Area(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "areas"
    __audited__ = True
    __table_args__ = (UniqueConstraint("site_id", "code"),)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    site: Mapped[Site] = relationship(back_populates="areas")
    lines: Mapped[list[Line]] = relationship(back_populates="area", order_by="Line.code")


class Line(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "lines"
    __audited__ = True
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    area: Mapped[Area] = relationship(back_populates="lines")
    machines: Mapped[list[Machine]] = relationship(
        back_populates="line", order_by="Machine.position"
    )


class Machine(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "machines"
    __audited__ = True
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Machine class (printer, pnp, reflow ...): picks the downtime reason tree.
    kind: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Ideal cycle of this station relative to its line's step cycle (constraint = 1.0).
    speed_factor: Mapped[float] = mapped_column(Float, default=1.0)
    # Down stops shorter than this are minor stops (ISO 22400 ADET, not ADOT).
    minor_stop_threshold_s: Mapped[float] = mapped_column(Float, default=120.0)
    line: Mapped[Line] = relationship(back_populates="machines")
