"""What alerting stores: rules as data, the alerts they raise, and the notification outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin
from linewise.core.time import utcnow


class RuleKind(StrEnum):
    MACHINE_DOWN = "machine_down"  # a machine down longer than N minutes
    STOP_WITHOUT_REASON = "stop_without_reason"  # a stop still without a reason after N minutes
    IDLE_RISK = "idle_risk"  # idle risk flagged (docs/idle.md), in its state for N minutes
    NO_DATA = "no_data"  # no event from a machine for N minutes
    LINE_DOWN = "line_down"  # every machine of a line down for N minutes (inhibits theirs)
    AVAILABILITY_BELOW = "availability_below"  # availability over the shift so far < target %
    OEE_BELOW = "oee_below"  # OEE over the shift so far < target %
    ORDER_LATE = "order_late"  # an order's finish (plan or ETA) later than its due date
    QUARANTINE_FILLING = "quarantine_filling"  # > target events quarantined in N minutes
    MATERIAL_BELOW = "material_below"  # a material's free stock below target (reorder level)
    LATE_RISK = "late_risk"  # an open order's late risk (docs/delivery.md) at or above target %
    SPC_VIOLATION = "spc_violation"  # a characteristic out of control (a run rule) N minutes
    MATERIAL_SHORT = "material_short"  # an open order's reserved need not covered by stock
    MAINTENANCE_DUE = "maintenance_due"  # a preventive order due (or overdue) N minutes ago
    PREDICTED_FAILURE = "predicted_failure"  # an early warning (anomaly or condition) open N min
    MAINTENANCE_WARNING = "maintenance_warning"  # the live detector's warning open N min, once


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class AlertScope(StrEnum):
    SITE = "site"
    AREA = "area"
    LINE = "line"
    MACHINE = "machine"


class AlertState(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertRule(IdMixin, Base):
    """One condition to watch, as data: managers add and change rules without a release."""

    __tablename__ = "alert_rules"
    __audited__ = True
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    scope_kind: Mapped[str] = mapped_column(String(10))
    # The area, line or machine the rule watches; empty for the whole site.
    scope_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    threshold_minutes: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # A percent (availability, OEE) or a count (quarantine); empty for the other kinds.
    target: Mapped[float | None] = mapped_column(Float, nullable=True)


class Alert(IdMixin, Base):
    """A rule's condition seen true for one machine, until resolved."""

    __tablename__ = "alerts"
    __audited__ = True
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    # Empty for an alert about an order or the site (quarantine); its subject_name says.
    machine_id: Mapped[int | None] = mapped_column(
        ForeignKey("machines.id", ondelete="CASCADE"), nullable=True
    )
    # Empty for a site-wide alert: every role that reads alerts sees it.
    area_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    severity: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(15), index=True)
    # "rule:machine" while open, NULL once resolved: the unique index lets the database
    # refuse a second open alert for the same rule and subject (two evaluators racing).
    open_key: Mapped[str | None] = mapped_column(String(60), unique=True, nullable=True)
    # The subject ("rule:subject" less the rule) kept after resolving, when ``open_key``
    # is cleared: a rule that alerts once per episode (maintenance_warning) looks it up.
    subject_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    message: Mapped[str] = mapped_column(String(300))
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    ack_comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    line_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subject_name: Mapped[str] = mapped_column(String(120), default="")
    # ISA-18.2 shelving: hidden from the badge and not notified until then.
    shelved_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shelved_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    shelve_comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Inhibition: the open line-down alert that explains this one (not notified).
    inhibited_by: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # Grouping: the group this alert is notified in, and when a group notice named it.
    group_key: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)


class Notification(IdMixin, Base):
    """An outbox row, written in the alert's transaction and sent once by a job."""

    __tablename__ = "alert_notifications"
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # "in_app", "email" or "webhook"
    recipient: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AlertGroup(Base):
    """Alertmanager's grouping of one rule's alerts in one area: the next flush time and
    the last notice, so a burst becomes one notification."""

    __tablename__ = "alert_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_flush_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Silence(IdMixin, Base):
    """Alerts matching every given field are not notified until ``ends_at``."""

    __tablename__ = "alert_silences"
    __audited__ = True
    rule_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    area_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    machine_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    comment: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EscalationStep(IdMixin, Base):
    """One step of an escalation chain: a rule's own, or else its severity's. The person
    is told when the alert is still unacknowledged ``after_minutes`` after firing."""

    __tablename__ = "alert_escalation_steps"
    __audited__ = True
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=True
    )
    severity: Mapped[str | None] = mapped_column(String(10), nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    after_minutes: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(80))


class Webhook(IdMixin, Base):
    """A signed HTTP endpoint; chat and SMS gateways are webhooks with a body template."""

    __tablename__ = "alert_webhooks"
    __audited__ = True
    __audit_exclude__ = frozenset({"secret"})
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # webhook | chat | sms
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    body_template: Mapped[str] = mapped_column(Text, default="")
    min_severity: Mapped[str] = mapped_column(String(10), default="low")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Preference(IdMixin, Base):
    """One user's notification preferences."""

    __tablename__ = "alert_preferences"
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "HH:MM" in the site's zone; during quiet hours only critical alerts are e-mailed.
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    on_call_area_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    sound: Mapped[bool] = mapped_column(Boolean, default=False)
