"""Request and response shapes of scheduled reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel
from linewise.domains.reports.models import ReportKind


class SubscriptionIn(Schema):
    # Empty: the caller's own subscription; another user's needs reports:manage.
    user_id: int | None = None
    report: ReportKind
    line_ids: list[int] = Field(min_length=1, max_length=50)
    email: str = Field(min_length=3, max_length=254)
    enabled: bool = True


class SubscriptionOut(ResponseModel):
    id: int
    user_id: int
    username: str
    report: ReportKind
    line_ids: list[int]
    email: str
    enabled: bool
    last_sent_at: datetime | None


class SendOut(ResponseModel):
    job_id: int


class PreviewOut(ResponseModel):
    subject: str
    text: str
    html: str
    as_of: datetime
