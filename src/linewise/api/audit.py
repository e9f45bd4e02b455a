"""Routes to read and verify the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.api.crud import PageOut, Schema, list_params, page_out
from linewise.api.deps import Principal, get_db, require
from linewise.core import audit
from linewise.core.audit import verify_with_checkpoint
from linewise.core.errors import FieldError, ValidationProblem
from linewise.core.query import ListParams, apply_sort, paginate
from linewise.core.text import Name

router = APIRouter(tags=["audit"])


class AuditAction(StrEnum):
    """What a record says happened to its row."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class AuditOut(Schema):
    seq: int
    ts: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
    checkpoint_seq: int | None = Field(
        description="the head kept apart from the table that the log was checked against"
    )


@router.get("/audit", response_model=PageOut[AuditOut])
def list_audit(
    params: ListParams = Depends(list_params),
    # Plain single-line text: a control character (NUL above all, which PostgreSQL cannot
    # compare) is a 422 naming the parameter, not a database error.
    entity: Name | None = Query(None, max_length=60),
    entity_id: Name | None = Query(None, max_length=60),
    actor: Name | None = Query(
        None, max_length=120, description="who: `user:admin`, or part of it (`admin`)"
    ),
    action: AuditAction | None = Query(None),
    start: AwareDatetime | None = Query(None, alias="from", description="at or after"),
    end: AwareDatetime | None = Query(None, alias="to", description="before"),
    _p: Principal = Depends(require("audit:read")),
    db: Session = Depends(get_db),
) -> Any:
    if start is not None and end is not None and end <= start:
        raise ValidationProblem(
            "the time range is empty", errors=[FieldError("to", "must be after 'from'")]
        )
    rec = audit.AuditRecord
    stmt = select(rec)
    if entity:
        stmt = stmt.where(rec.entity == entity)
    if entity_id:
        stmt = stmt.where(rec.entity_id == entity_id)
    if actor:
        # Part of a name is enough: "admin" finds "user:admin" (and API keys named so).
        escaped = actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(rec.actor.ilike(f"%{escaped}%", escape="\\"))
    if action:
        stmt = stmt.where(rec.action == action.value)
    if start is not None:
        stmt = stmt.where(rec.ts >= start)
    if end is not None:
        stmt = stmt.where(rec.ts < end)
    stmt = apply_sort(stmt, params.sort or "-seq", {"seq": rec.seq, "ts": rec.ts}, [])
    return page_out(paginate(db, stmt, params), AuditOut)


@router.get("/audit/verify", response_model=VerifyOut)
def verify_audit(
    request: Request,
    _p: Principal = Depends(require("audit:read")),
    db: Session = Depends(get_db),
) -> Any:
    """The chain, and that it still reaches the checkpoint kept apart from the table."""
    return verify_with_checkpoint(db, request.app.state.settings.audit_checkpoint).__dict__


class AuditEntitiesOut(Schema):
    entities: list[str]


@router.get("/audit/entities", response_model=AuditEntitiesOut)
def audit_entities(
    _p: Principal = Depends(require("audit:read")),
    db: Session = Depends(get_db),
) -> Any:
    """The entity types the log holds records of, for a filter's choices."""
    rec = audit.AuditRecord
    return {"entities": list(db.scalars(select(rec.entity).distinct().order_by(rec.entity)))}
