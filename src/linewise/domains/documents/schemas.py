"""API shapes of work instructions."""

from __future__ import annotations

from datetime import datetime

from linewise.core.schemas import ResponseModel


class DocumentOut(ResponseModel):
    id: int
    step_id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by: str
    url: str  # where the file itself is read (GET)
