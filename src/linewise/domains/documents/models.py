"""A file attached to a routing step; the bytes live in a blob store, not in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin
from linewise.core.time import utcnow


class StepDocument(IdMixin, Base):
    __tablename__ = "step_documents"
    __audited__ = True
    step_id: Mapped[int] = mapped_column(
        ForeignKey("routing_steps.id", ondelete="CASCADE"), index=True
    )
    # The name shown to people (cleaned of any path); never used to build a file path.
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    # The blob store's key: random, made by the server (see storage.py).
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(120))
