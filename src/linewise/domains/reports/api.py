"""Routes of scheduled reports: subscriptions, send now, and the preview (HTML and PDF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from linewise.api.crud import get_or_404
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import Conflict, FieldError, Forbidden, ValidationProblem
from linewise.core.security import roles_for
from linewise.core.time import utcnow
from linewise.domains.reports import service
from linewise.domains.reports.models import ReportKind, ReportSubscription
from linewise.domains.reports.schemas import PreviewOut, SendOut, SubscriptionIn, SubscriptionOut

router = APIRouter(tags=["reports"])
SUBSCRIBE = "reports:subscribe"
MANAGE = "reports:manage"


def _manages(p: Principal) -> bool:
    return p.role is not None and p.role in roles_for(MANAGE)


def _out(row: ReportSubscription, username: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "username": username,
        "report": row.report,
        "line_ids": list(row.line_ids),
        "email": row.email,
        "enabled": row.enabled,
        "last_sent_at": row.last_sent_at,
    }


def _target(p: Principal, user_id: int | None) -> int:
    if p.user_id is None:
        raise Forbidden("report subscriptions belong to signed-in users")
    if user_id is None or user_id == p.user_id:
        return p.user_id
    if not _manages(p):
        raise Forbidden("only managers subscribe other users")
    return user_id


def _mine(db: Session, p: Principal, sub_id: int) -> ReportSubscription:
    row = get_or_404(db, ReportSubscription, sub_id)
    if row.user_id != p.user_id and not _manages(p):
        raise Forbidden("this subscription is another user's")
    return row


def _data(body: SubscriptionIn, user_id: int) -> service.SubscriptionIn:
    return service.SubscriptionIn(user_id, body.report, body.line_ids, body.email, body.enabled)


def _username(db: Session, row: ReportSubscription) -> str:
    return next(name for s, name in service.subscriptions(db, row.user_id) if s.id == row.id)


@router.get("/reports/subscriptions", response_model=list[SubscriptionOut])
def list_subscriptions(
    everyone: bool = Query(False, description="every user's (reports:manage)"),
    p: Principal = Depends(require(SUBSCRIBE)),
    db: Session = Depends(get_db),
) -> Any:
    """The caller's subscriptions, or everyone's for a manager asking for them."""
    if everyone and not _manages(p):
        raise Forbidden("only managers see everyone's subscriptions")
    return [_out(s, n) for s, n in service.subscriptions(db, None if everyone else p.user_id)]


@router.post("/reports/subscriptions", response_model=SubscriptionOut, status_code=201)
def subscribe(
    body: SubscriptionIn,
    p: Principal = Depends(require(SUBSCRIBE)),
    db: Session = Depends(get_db),
) -> Any:
    row = service.create(db, _data(body, _target(p, body.user_id)))
    db.flush()
    return _out(row, _username(db, row))


@router.put("/reports/subscriptions/{sub_id}", response_model=SubscriptionOut)
def change_subscription(
    sub_id: int,
    body: SubscriptionIn,
    p: Principal = Depends(require(SUBSCRIBE)),
    db: Session = Depends(get_db),
) -> Any:
    """Change lines, address or on/off; the report and the user stay what they were."""
    row = _mine(db, p, sub_id)
    if body.report.value != row.report:
        raise ValidationProblem(
            "the report of a subscription does not change",
            errors=[FieldError("report", f"this subscription is {row.report}")],
        )
    service.change(db, row, _data(body, row.user_id))
    return _out(row, _username(db, row))


@router.delete("/reports/subscriptions/{sub_id}", status_code=204)
def unsubscribe(
    sub_id: int, p: Principal = Depends(require(SUBSCRIBE)), db: Session = Depends(get_db)
) -> Response:
    service.unsubscribe(db, _mine(db, p, sub_id))
    return Response(status_code=204)


@router.post("/reports/subscriptions/{sub_id}/send", response_model=SendOut, status_code=202)
def send_now(
    request: Request,
    sub_id: int,
    p: Principal = Depends(require(SUBSCRIBE)),
    db: Session = Depends(get_db),
) -> Any:
    """Mail this subscription's report as of now (a job: the answer does not wait);
    409 when no SMTP server is configured."""
    row = _mine(db, p, sub_id)
    if not request.app.state.settings.smtp_host:
        raise Conflict("e-mail is not configured on this server (setting LINEWISE_SMTP_HOST)")
    return {"job_id": service.send_now(db, row)}


def _lines(db: Session, p: Principal, line_ids: list[int]) -> list[int]:
    if not line_ids:
        raise ValidationProblem("choose lines", errors=[FieldError("line_id", "at least one")])
    lines = service.lines(db, line_ids)
    if len(lines) != len(set(line_ids)):
        raise ValidationProblem("unknown lines", errors=[FieldError("line_id", "no such line")])
    if any(not p.may_touch_area(line.area_id) for line in lines):
        raise Forbidden("a line is outside your areas")
    return sorted(set(line_ids))


@router.get("/reports/preview", response_model=PreviewOut)
def preview(
    report: ReportKind,
    line_id: list[int] = Query([], max_length=50),
    p: Principal = Depends(require(SUBSCRIBE)),
    db: Session = Depends(get_db),
) -> Any:
    """The report as it would be mailed now: subject, text and HTML."""
    now = utcnow()
    r = service.prepare(db, report, _lines(db, p, line_id), now)
    return {"subject": r.subject, "text": r.text, "html": r.html, "as_of": now}


@router.get(
    "/reports/preview.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def preview_pdf(
    report: ReportKind,
    line_id: list[int] = Query([], max_length=50),
    p: Principal = Depends(require(SUBSCRIBE)),
    db: Session = Depends(get_db),
) -> Response:
    """The PDF attachment the report would carry now."""
    r = service.prepare(db, report, _lines(db, p, line_id), utcnow())
    disposition = f'inline; filename="{r.filename}"'
    return Response(r.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": disposition})  # fmt: skip
