"""The latest idle risks per machine, refreshed every minute by the ``idle.risk`` job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime


class IdleRisk(Base):
    __tablename__ = "idle_risks"
    machine_id: Mapped[int] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))
    risk_5: Mapped[float] = mapped_column(Float)
    risk_15: Mapped[float] = mapped_column(Float)
    risk_30: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
