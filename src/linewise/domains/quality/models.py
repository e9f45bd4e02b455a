"""Reason codes for downtime, scrap and rework: a tree per machine class."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base
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
