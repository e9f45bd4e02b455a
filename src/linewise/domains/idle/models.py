"""The latest idle risks per machine and per clocked-in operator, refreshed every minute
by the ``idle.risk`` job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
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


class OperatorIdleRisk(Base):
    """An operator's risk of standing idle; a row exists while they are clocked in."""

    __tablename__ = "operator_idle_risks"
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))  # working | idle
    cause: Mapped[str | None] = mapped_column(String(30), nullable=True)  # labour's idle cause
    # the line they stand on (no foreign key: a line deleted leaves the row to the next
    # refresh, which rewrites it)
    line_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    risk_5: Mapped[float] = mapped_column(Float)
    risk_15: Mapped[float] = mapped_column(Float)
    risk_30: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # when the present flagged stretch began (None: not flagged), so that an alert rule's
    # "for N minutes" counts from the flag, not from the last change of the figures
    flagged_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
