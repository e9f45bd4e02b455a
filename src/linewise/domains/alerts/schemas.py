"""Request and response shapes of alerting."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel
from linewise.domains.alerts.models import AlertScope, AlertState, RuleKind, Severity

WEEK_MIN = 7 * 24 * 60


class RuleIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: RuleKind
    severity: Severity
    scope_kind: AlertScope = AlertScope.SITE
    scope_id: int | None = None
    # 0 fires on the event itself (evaluation on machine events).
    threshold_minutes: int = Field(ge=0, le=10080)
    enabled: bool = True
    target: float | None = Field(None, ge=0, le=1_000_000)


class RuleOut(ResponseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)  # read from the row

    id: int
    name: str
    kind: RuleKind
    severity: Severity
    scope_kind: AlertScope
    scope_id: int | None
    threshold_minutes: int
    enabled: bool
    target: float | None


class AcknowledgeIn(Schema):
    comment: str = Field(min_length=1, max_length=500)


class AlertOut(ResponseModel):
    id: int
    rule_id: int
    rule_name: str
    kind: RuleKind
    threshold_minutes: int
    machine_id: int | None
    machine_name: str
    area_id: int | None
    severity: Severity
    state: AlertState
    # English, for e-mail and logs; the UI words it from kind and threshold_minutes.
    message: str
    fired_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_comment: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    line_id: int | None
    subject_name: str
    shelved_until: datetime | None
    shelved_by: str | None
    shelve_comment: str | None
    inhibited_by: int | None
    notified_at: datetime | None
    escalation_level: int
    # Why e-mail and webhooks stay quiet about it now: shelved, inhibited or silenced.
    suppressed: str | None


class OpenCountOut(ResponseModel):
    firing: int


class ShelveIn(Schema):
    minutes: int = Field(ge=1, le=WEEK_MIN)
    comment: str = Field(min_length=1, max_length=500)


class SilenceIn(Schema):
    """Alerts matching every given field are silenced for ``minutes``."""

    rule_id: int | None = None
    area_id: int | None = None
    machine_id: int | None = None
    severity: Severity | None = None
    comment: str = Field(min_length=1, max_length=500)
    minutes: int = Field(ge=1, le=WEEK_MIN)


class SilenceOut(ResponseModel):
    id: int
    rule_id: int | None
    area_id: int | None
    machine_id: int | None
    severity: Severity | None
    comment: str
    created_by: str
    starts_at: datetime
    ends_at: datetime
    active: bool


class StepIn(Schema):
    after_minutes: int = Field(ge=0, le=WEEK_MIN)
    username: str = Field(min_length=1, max_length=80)


class ChainIn(Schema):
    """An escalation chain for one rule, or for every rule of a severity without its own."""

    rule_id: int | None = None
    severity: Severity | None = None
    steps: list[StepIn] = Field(max_length=10)


class StepOut(ResponseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)  # read from the row

    id: int
    rule_id: int | None
    severity: Severity | None
    position: int
    after_minutes: int
    username: str


class WebhookKind(StrEnum):
    WEBHOOK = "webhook"
    CHAT = "chat"
    SMS = "sms"


class WebhookIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: WebhookKind = WebhookKind.WEBHOOK
    url: str = Field(pattern=r"^https?://", max_length=500)
    # Empty on an edit keeps the stored secret (it is never sent back).
    secret: str = Field("", max_length=200)
    body_template: str = Field("", max_length=4000)
    min_severity: Severity = Severity.LOW
    enabled: bool = True


class WebhookOut(ResponseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)  # read from the row

    id: int
    name: str
    kind: WebhookKind
    url: str
    body_template: str
    min_severity: Severity
    enabled: bool


class PreferenceIn(Schema):
    email: str = Field("", max_length=200)
    channels: list[Literal["in_app", "email"]] = Field(default_factory=list)
    quiet_start: str | None = Field(None, max_length=5)
    quiet_end: str | None = Field(None, max_length=5)
    on_call_area_ids: list[int] = Field(default_factory=list, max_length=100)
    sound: bool = False


class PreferenceOut(ResponseModel):
    username: str
    email: str
    channels: list[str]
    quiet_start: str | None
    quiet_end: str | None
    on_call_area_ids: list[int]
    sound: bool


class PairCount(ResponseModel):
    rule_id: int
    subject: str
    count: int


class StaleAlert(ResponseModel):
    alert_id: int
    message: str
    fired_at: datetime


class Bucket(ResponseModel):
    start: datetime
    count: int


class AlarmFiguresOut(ResponseModel):
    """ISA-18.2 figures over the window (docs/alerts.md says how each is counted)."""

    window_start: datetime
    window_end: datetime
    operators: int
    total: int
    per_operator_per_10min: float
    max_per_10min: int
    flood_share: float
    in_flood_now: bool
    top10_share: float
    top10: list[PairCount]
    chattering: list[PairCount]
    stale: list[StaleAlert]
    buckets: list[Bucket]
