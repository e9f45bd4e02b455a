"""Routes to read and verify the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.api.crud import PageOut, Schema, list_params, page_out
from linewise.api.deps import Principal, get_db, require
from linewise.core import audit
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
    _p: Principal = Depends(require("audit:read")), db: Session = Depends(get_db)
) -> Any:
    return audit.verify(db).__dict__
