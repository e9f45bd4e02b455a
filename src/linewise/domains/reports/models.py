"""Who gets which scheduled report, for which lines, at which address."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin
from linewise.core.time import utcnow


class ReportKind(StrEnum):
    SHIFT_DAILY = "shift_daily"  # each shift that ended in the last day, per line
    KPI_WEEKLY = "kpi_weekly"  # the past ISO week's KPIs, per line


class ReportSubscription(IdMixin, Base):
    """One user's wish to receive one report for some lines; switched off, not deleted."""

    __tablename__ = "report_subscriptions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("user_id", "report"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report: Mapped[str] = mapped_column(String(20))
    line_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    email: Mapped[str] = mapped_column(String(254))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
