"""List queries: filtering, text search, sorting and pagination, the same for every resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from linewise.core.errors import FieldError, ValidationProblem

MAX_LIMIT = 500


@dataclass(frozen=True)
class ListParams:
    limit: int = 50
    offset: int = 0
    sort: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    total: int
    limit: int
    offset: int


def apply_sort(
    stmt: Select[Any],
    sort: str | None,
    sortable: Mapping[str, InstrumentedAttribute[Any] | ColumnElement[Any]],
    default: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
) -> Select[Any]:
    if not sort:
        return stmt.order_by(*default)
    keys = []
    for part in sort.split(","):
        name = part.strip()
        desc = name.startswith("-")
        name = name.lstrip("-+")
        col = sortable.get(name)
        if col is None:
            raise ValidationProblem(
                f"cannot sort by '{name}'",
                errors=[FieldError("sort", f"one of: {', '.join(sorted(sortable))}")],
            )
        keys.append(col.desc() if desc else col.asc())
    return stmt.order_by(*keys, *default)


def text_filter(q: str | None, columns: Sequence[InstrumentedAttribute[Any]]) -> Any:
    if not q or not columns:
        return None
    pattern = f"%{q.strip().lower()}%"
    return or_(*(func.lower(c).like(pattern) for c in columns))


def paginate(db: Session, stmt: Select[Any], params: ListParams) -> Page:
    if not 1 <= params.limit <= MAX_LIMIT:
        raise ValidationProblem(
            "limit out of range", errors=[FieldError("limit", f"must be 1..{MAX_LIMIT}")]
        )
    if params.offset < 0:
        raise ValidationProblem(
            "offset out of range", errors=[FieldError("offset", "must be >= 0")]
        )
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.scalars(stmt.limit(params.limit).offset(params.offset)).unique().all()
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)
