"""What the operator terminal stores: replayable actions and andon calls."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin
from linewise.core.time import utcnow


class TerminalAction(IdMixin, Base):
    """One terminal action under its client-generated idempotency key.

    The terminal queues actions while offline and sends them again when it is not sure
    they arrived; the unique key makes a second delivery return the first answer instead
    of adding its quantities twice.
    """

    __tablename__ = "terminal_actions"
    key: Mapped[str] = mapped_column(String(80), unique=True)
    # The request the key was first used for: the same key with another body is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("order_operations.id", ondelete="CASCADE"), index=True
    )
    good: Mapped[int] = mapped_column(Integer, default=0)
    scrap: Mapped[int] = mapped_column(Integer, default=0)
    rework: Mapped[int] = mapped_column(Integer, default=0)
    reason_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("reason_codes.id", ondelete="SET NULL"), nullable=True
    )
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AndonKind(StrEnum):
    MACHINE = "machine"
    MATERIAL = "material"
    QUALITY = "quality"
    HELP = "help"
    # A queued report the server refused because someone else finished the operation.
    CONFLICT = "conflict"


class AndonCall(IdMixin, Base):
    """A problem reported from the floor, open until a supervisor acknowledges it."""

    __tablename__ = "andon_calls"
    key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    machine_id: Mapped[int | None] = mapped_column(
        ForeignKey("machines.id", ondelete="SET NULL"), nullable=True
    )
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_operations.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    raised_by: Mapped[str] = mapped_column(String(120), default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
