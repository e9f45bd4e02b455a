"""Report subscriptions (who gets what, for which lines) and the delivery of one report."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.core.security import AREA_SCOPED_ROLES, Role
from linewise.core.time import utcnow
from linewise.domains.accounts.models import User
from linewise.domains.alerts import mail
from linewise.domains.equipment.models import Line
from linewise.domains.reports.content import content
from linewise.domains.reports.models import ReportKind, ReportSubscription
from linewise.domains.reports.render import Rendered, message, render
from linewise.jobs import enqueue

DAILY_KIND = "reports.daily"
WEEKLY_KIND = "reports.weekly"
SEND_KIND = "reports.send"
# A plausible address (one @, a dot in the domain, no spaces); the SMTP server decides.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LINES = 50


@dataclass(frozen=True)
class SubscriptionIn:
    user_id: int
    report: ReportKind
    line_ids: list[int]
    email: str
    enabled: bool


def _check(db: Session, data: SubscriptionIn) -> User:
    user = db.get(User, data.user_id)
    if user is None or not user.active:
        raise ValidationProblem("no such user", errors=[FieldError("user_id", "no active user")])
    if not EMAIL.match(data.email):
        raise ValidationProblem(
            "not an e-mail address", errors=[FieldError("email", "expected name@domain")]
        )
    ids = sorted(set(data.line_ids))
    if not ids or len(ids) > MAX_LINES:
        raise ValidationProblem(
            "choose lines", errors=[FieldError("line_ids", f"1 to {MAX_LINES} lines")]
        )
    lines = db.scalars(select(Line).where(Line.id.in_(ids))).all()
    unknown = sorted(set(ids) - {line.id for line in lines})
    if unknown:
        raise ValidationProblem(
            "unknown lines", errors=[FieldError("line_ids", f"no line {unknown}")]
        )
    if Role(user.role) in AREA_SCOPED_ROLES:
        areas = {a.id for a in user.areas}
        outside = sorted(line.code for line in lines if line.area_id not in areas)
        if outside:
            raise ValidationProblem(
                "lines outside the user's areas",
                errors=[FieldError("line_ids", f"outside {user.username}'s areas: {outside}")],
            )
    return user


def create(db: Session, data: SubscriptionIn) -> ReportSubscription:
    _check(db, data)
    existing = db.scalar(
        select(ReportSubscription).where(
            ReportSubscription.user_id == data.user_id,
            ReportSubscription.report == data.report.value,
        )
    )
    if existing is not None:
        raise ValidationProblem(
            "already subscribed",
            errors=[FieldError("report", "this user has this report already: change it")],
        )
    row = ReportSubscription(
        user_id=data.user_id,
        report=data.report.value,
        line_ids=sorted(set(data.line_ids)),
        email=data.email,
        enabled=data.enabled,
    )
    db.add(row)
    return row


def change(db: Session, row: ReportSubscription, data: SubscriptionIn) -> None:
    _check(db, data)
    row.line_ids = sorted(set(data.line_ids))
    row.email = data.email
    row.enabled = data.enabled


def subscriptions(db: Session, user_id: int | None) -> list[tuple[ReportSubscription, str]]:
    q = select(ReportSubscription, User.username).join(User, User.id == ReportSubscription.user_id)
    if user_id is not None:
        q = q.where(ReportSubscription.user_id == user_id)
    return [(s, name) for s, name in db.execute(q.order_by(User.username, ReportSubscription.id))]


def unsubscribe(db: Session, row: ReportSubscription) -> None:
    db.delete(row)


def lines(db: Session, line_ids: list[int]) -> list[Line]:
    return list(db.scalars(select(Line).where(Line.id.in_(line_ids))))


def line_codes(db: Session, line_ids: list[int]) -> list[str]:
    return list(db.scalars(select(Line.code).where(Line.id.in_(line_ids)).order_by(Line.code)))


def prepare(db: Session, kind: ReportKind, line_ids: list[int], as_of: datetime) -> Rendered:
    """The report as it would be mailed now (the preview shows exactly this)."""
    return render(content(db, kind, line_ids, as_of), line_codes(db, line_ids))


def fan_out(db: Session, kind: ReportKind, as_of: str) -> list[int]:
    """One send job per enabled subscription, keyed so a fire time mails each once."""
    rows = db.scalars(
        select(ReportSubscription).where(
            ReportSubscription.report == kind.value, ReportSubscription.enabled.is_(True)
        )
    ).all()
    return [
        enqueue(
            db,
            SEND_KIND,
            {"subscription_id": r.id, "as_of": as_of},
            idempotency_key=f"report:{r.id}:{as_of}",
        )
        for r in rows
    ]


def send_now(db: Session, row: ReportSubscription) -> int:
    """A send of this subscription as of now, whether switched on or not (the button)."""
    now = utcnow().isoformat()
    return enqueue(db, SEND_KIND, {"subscription_id": row.id, "as_of": now, "force": True})


def deliver(
    db: Session, subscription_id: int, as_of: datetime, host: str, port: int, sender: str,
    force: bool = False,
) -> bool:  # fmt: skip
    """Render and mail one subscription's report; False when there was nothing to send."""
    row = db.get(ReportSubscription, subscription_id)
    if row is None:
        raise NotFound(f"report subscription {subscription_id} not found")
    if not (row.enabled or force) or not host:
        return False
    rendered = prepare(db, ReportKind(row.report), list(row.line_ids), as_of)
    mail.send(host, port, message(sender, row.email, rendered))
    row.last_sent_at = utcnow()
    return True
