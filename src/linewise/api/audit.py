"""Routes to read and verify the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.api.crud import PageOut, Schema, list_params, page_out
from linewise.api.deps import Principal, get_db, require
from linewise.core import audit
from linewise.core.audit import verify_with_checkpoint
from linewise.core.query import ListParams, apply_sort, paginate

router = APIRouter(tags=["audit"])


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
    entity: str | None = Query(None),
    entity_id: str | None = Query(None),
    _p: Principal = Depends(require("audit:read")),
    db: Session = Depends(get_db),
) -> Any:
    rec = audit.AuditRecord
    stmt = select(rec)
    if entity:
        stmt = stmt.where(rec.entity == entity)
    if entity_id:
        stmt = stmt.where(rec.entity_id == entity_id)
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
