"""Materials consumed by production (BOM components)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin


class Material(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "materials"
    __audited__ = True
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
