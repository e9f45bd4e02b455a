"""Quality: reason codes (a tree per machine class), defect codes (a tree per product
family), inspection plans and characteristics, results, defects, nonconformances with
their holds, and SPC signals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class ReasonCategory(StrEnum):
    DOWNTIME = "downtime"
    SCRAP = "scrap"
    REWORK = "rework"


class ReasonCode(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "reason_codes"
    __audited__ = True
    __table_args__ = (UniqueConstraint("category", "machine_class", "code"),)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    # None = applies to every machine class.
    machine_class: Mapped[str | None] = mapped_column(String(40), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("reason_codes.id", ondelete="RESTRICT"), nullable=True
    )


# --- Inspections, defects, nonconformances and SPC (issue: quality module) -------------


class CharacteristicKind(StrEnum):
    ATTRIBUTE = "attribute"
    VARIABLE = "variable"


class Sampling(StrEnum):
    EVERY = "every"  # every unit
    NTH = "nth"  # every n-th unit
    RANDOM = "random"  # a random share of the units
    FIRST_PIECE = "first_piece"  # the first piece after a setup


class Disposition(StrEnum):
    SCRAP = "scrap"
    REWORK = "rework"
    USE_AS_IS = "use_as_is"
    RETURN_TO_SUPPLIER = "return_to_supplier"


class DefectCode(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A defect code in a tree per product family (e.g. IPC-A-610 categories)."""

    __tablename__ = "quality_defect_codes"
    __audited__ = True
    __table_args__ = (UniqueConstraint("family", "code"),)
    family: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_defect_codes.id", ondelete="RESTRICT"), nullable=True
    )


class InspectionPlan(IdMixin, VersionedMixin, TimestampMixin, Base):
    """What is inspected for a product at a routing step, and how often."""

    __tablename__ = "quality_plans"
    __audited__ = True
    __table_args__ = (UniqueConstraint("product_id", "step_seq", "name"),)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    step_seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    sampling: Mapped[str] = mapped_column(String(20), default=Sampling.EVERY)
    sample_every: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sample_share: Mapped[float | None] = mapped_column(Float, nullable=True)
    # IPC-9261A: defect opportunities per unit (placements + terminations + components).
    opportunities_per_unit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Characteristic(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "quality_characteristics"
    __audited__ = True
    __table_args__ = (UniqueConstraint("plan_id", "name"),)
    plan_id: Mapped[int] = mapped_column(ForeignKey("quality_plans.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    nominal: Mapped[float | None] = mapped_column(Float, nullable=True)
    lsl: Mapped[float | None] = mapped_column(Float, nullable=True)
    usl: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    chart: Mapped[str] = mapped_column(String(20), default="imr")
    subgroup_size: Mapped[int] = mapped_column(Integer, default=1)
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Phase II: the centre and process sigma the limits rest on, frozen from a stable
    # period (None: limits from the latest readings, phase I).
    center: Mapped[float | None] = mapped_column(Float, nullable=True)
    sigma: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Set when the latest evaluation found a rule violated; cleared by a supervisor.
    out_of_control_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Inspection(IdMixin, Base):
    """One inspection result: a unit by serial, or a count of units without serials."""

    __tablename__ = "quality_inspections"
    __table_args__ = (
        Index("ix_quality_inspections_at", "inspected_at"),
        Index("ix_quality_inspections_serial", "serial"),
        UniqueConstraint("machine_id", "event_id"),
    )
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_plans.id", ondelete="SET NULL"), nullable=True, index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    step_seq: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("production_orders.id", ondelete="SET NULL"), nullable=True
    )
    machine_id: Mapped[int | None] = mapped_column(
        ForeignKey("machines.id", ondelete="SET NULL"), nullable=True
    )
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("lines.id", ondelete="SET NULL"), nullable=True
    )
    method: Mapped[str] = mapped_column(String(20), default="manual")  # aoi spi ict fct manual
    source: Mapped[str] = mapped_column(String(20), default="terminal")  # terminal | machine
    event_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lot: Mapped[str | None] = mapped_column(String(80), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    passed_quantity: Mapped[int] = mapped_column(Integer, default=1)
    passed: Mapped[bool] = mapped_column(Boolean)
    # The unit's first inspection at this step (a retest after repair is not).
    first_pass: Mapped[bool] = mapped_column(Boolean, default=True)
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    inspector: Mapped[str] = mapped_column(String(100), default="")


class Measurement(IdMixin, Base):
    __tablename__ = "quality_measurements"
    __table_args__ = (
        Index("ix_quality_measurements_char", "characteristic_id", "id"),
        # a chart's latest readings, in time order, without sorting them all
        Index("ix_quality_measurements_char_time", "characteristic_id", "measured_at", "id"),
    )
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("quality_inspections.id", ondelete="CASCADE"), index=True
    )
    characteristic_id: Mapped[int] = mapped_column(
        ForeignKey("quality_characteristics.id", ondelete="CASCADE")
    )
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool] = mapped_column(Boolean)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Defect(IdMixin, Base):
    __tablename__ = "quality_defects"
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("quality_inspections.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(60))
    defect_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_defect_codes.id", ondelete="SET NULL"), nullable=True
    )
    ref_designator: Mapped[str | None] = mapped_column(String(40), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)


class Nonconformance(IdMixin, VersionedMixin, TimestampMixin, Base):
    """A nonconformance record; while ``hold`` is set its lot or serial range is blocked."""

    __tablename__ = "quality_nonconformances"
    __audited__ = True
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_inspections.id", ondelete="SET NULL"), nullable=True
    )
    description: Mapped[str] = mapped_column(String(1000))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    lot: Mapped[str | None] = mapped_column(String(80), nullable=True)
    serial_from: Mapped[str | None] = mapped_column(String(80), nullable=True)
    serial_to: Mapped[str | None] = mapped_column(String(80), nullable=True)
    hold: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    disposition: Mapped[str | None] = mapped_column(String(30), nullable=True)
    disposition_note: Mapped[str] = mapped_column(String(1000), default="")
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    disposed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class SpcSignal(IdMixin, Base):
    """A run rule that fired on a characteristic's chart at a measurement."""

    __tablename__ = "quality_spc_signals"
    __table_args__ = (UniqueConstraint("measurement_id", "rule"),)
    characteristic_id: Mapped[int] = mapped_column(
        ForeignKey("quality_characteristics.id", ondelete="CASCADE"), index=True
    )
    measurement_id: Mapped[int] = mapped_column(
        ForeignKey("quality_measurements.id", ondelete="CASCADE")
    )
    rule: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
