"""Building blocks shared by the domain routers: list params, ETags, generic CRUD.

Most master data is flat (one table, a few foreign keys), so one well-tested generic
router serves it; resources with nested parts (routings, orders) have their own routes.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, create_model, field_validator
from pydantic.fields import FieldInfo
from sqlalchemy import Select, Table, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from linewise.api.deps import Principal, get_db, require
from linewise.core.db import Base
from linewise.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationProblem,
)
from linewise.core.query import ListParams, Page, apply_sort, paginate, text_filter
from linewise.core.text import refuse_unstorable
from linewise.core.time import utcnow

T = TypeVar("T")
M = TypeVar("M", bound=Base)


class Schema(BaseModel):
    # In a response every field is present, defaults included: the OpenAPI document
    # says so (required), and the UI's generated types need no "possibly undefined".
    model_config = ConfigDict(
        from_attributes=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    @field_validator("*")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        # Every text field, in every resource: NUL or a lone surrogate is a 422 that names
        # the field, not a 500 from the database.
        return refuse_unstorable(value)


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def list_params(
    limit: int = Query(50, ge=1, le=500, description="page size"),
    offset: int = Query(0, ge=0),
    sort: str | None = Query(None, description="field, '-' prefix for descending, comma list"),
    q: str | None = Query(None, description="text search"),
) -> ListParams:
    return ListParams(limit=limit, offset=offset, sort=sort, q=q)


def page_out(page: Page, schema: type[BaseModel]) -> dict[str, Any]:
    return {
        "items": [schema.model_validate(i) for i in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


def etag(version: int) -> str:
    return f'"{version}"'


def check_version(current: int, if_match: str | None, body_version: int | None) -> None:
    """Refuse an update made against a stale copy (optimistic concurrency)."""
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/")
        if tag != "*" and tag != etag(current):
            raise PreconditionFailed(
                f"the resource changed since you read it (now version {current}); reload"
            )
        return
    if body_version is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you read, or 'version' in the body",
            errors=[FieldError("version", "required for updates")],
        )
    if body_version != current:
        raise Conflict(
            f"the resource changed since you read it (you sent version {body_version}, "
            f"now {current}); reload",
            errors=[FieldError("version", f"stale: current is {current}")],
        )


def _optional(field: FieldInfo) -> Any:
    """The field's type, constraints kept (bounds, lengths, patterns), or null.

    The constraints live in the field's metadata, not in its annotation: an update model
    built from the bare annotation accepted in a PATCH what the create refuses (a
    negative speed factor, an empty name), and then stored it.
    """
    inner: Any = (
        Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    )
    return inner | None


def make_update_model(create: type[BaseModel], name: str) -> type[BaseModel]:
    """Every field optional, plus ``version`` for optimistic concurrency."""
    fields: dict[str, Any] = {k: (_optional(f), None) for k, f in create.model_fields.items()}
    fields["version"] = (int | None, None)
    return create_model(name, __base__=Schema, **fields)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def check_references(db: Session, model: type[Base], data: dict[str, Any]) -> None:
    """Name the field whose foreign key points nowhere, instead of a database error."""
    errors = []
    for col in _table(model).columns:
        if col.key not in data or data[col.key] is None:
            continue
        for fk in col.foreign_keys:
            target = fk.column.table
            found = db.execute(select(fk.column).where(fk.column == data[col.key]).limit(1)).first()
            if found is None:
                errors.append(FieldError(col.key, f"{target.name} {data[col.key]} does not exist"))
    if errors:
        raise ValidationProblem("a referenced record does not exist", errors=errors)


def check_unique(db: Session, model: type[Base], data: dict[str, Any], own_id: int | None) -> None:
    """Name the field that would duplicate an existing record (before the DB refuses it)."""
    table = _table(model)
    groups: list[list[str]] = [[c.key] for c in table.columns if c.unique]
    groups += [
        [c.key for c in con.columns]
        for con in table.constraints
        if isinstance(con, UniqueConstraint)
    ]
    for cols in groups:
        if not any(c in data for c in cols):
            continue
        values = {}
        for c in cols:
            values[c] = data.get(c)
        if any(v is None for v in values.values()):
            if own_id is None:
                continue
            current = db.get(model, own_id)
            for c in cols:
                if values[c] is None:
                    values[c] = getattr(current, c)
        stmt = select(model).where(*(getattr(model, c) == v for c, v in values.items()))
        if own_id is not None:
            stmt = stmt.where(model.id != own_id)  # type: ignore[attr-defined]
        if db.scalars(stmt.limit(1)).first() is not None:
            shown = ", ".join(f"{c}={v!r}" for c, v in values.items())
            raise Conflict(
                f"a {table.name} record with {shown} already exists",
                errors=[FieldError(cols[-1], "already exists")],
            )


def get_or_404(db: Session, model: type[M], id_: int) -> M:
    obj = db.get(model, id_)
    if obj is None:
        raise NotFound(f"{_table(model).name} {id_} not found")
    return obj


def crud_router(
    *,
    path: str,
    model: type[Base],
    out: type[BaseModel],
    create: type[BaseModel],
    read_permission: str,
    write_permission: str,
    search: Sequence[InstrumentedAttribute[Any]] = (),
    sortable: dict[str, InstrumentedAttribute[Any]] | None = None,
    filters: dict[str, InstrumentedAttribute[Any]] | None = None,
    scope: Callable[[Select[Any], Principal], Select[Any]] | None = None,
    area_of: Callable[[Session, Any], int | None] | None = None,
    special: dict[str, Callable[[Session, Any, Any], None]] | None = None,
    guard: Callable[[Session, Principal, Any | None, dict[str, Any] | None], None] | None = None,
    validate: Callable[[Session, dict[str, Any], int | None], None] | None = None,
    tag: str,
) -> APIRouter:
    """List / get / create / update / delete for a flat resource.

    ``scope`` narrows lists for area-scoped roles; ``area_of`` tells which area a record
    (or the data for a new one) belongs to, so area-scoped writers stay in their areas;
    ``guard`` does the same for records with several areas: it gets the caller, the
    record (None on create) and the data (None on delete) and raises a ``Problem``.
    ``special`` maps fields that are not plain columns (e.g. many-to-many ids) to a
    function that applies them to the record. ``validate`` checks rules beyond columns
    (the data, and the record's id on updates) and raises a ``Problem``.
    """
    special = special or {}
    router = APIRouter(tags=[tag])
    update = make_update_model(create, f"{create.__name__.removesuffix('In')}Update")
    sortable = sortable or {"id": model.id}  # type: ignore[attr-defined]
    filters = filters or {}
    noun = _table(model).name

    def _ensure_area(db: Session, principal: Principal, data: Any) -> None:
        if area_of is not None and principal.area_scoped:
            area_id = area_of(db, data)
            if not principal.may_touch_area(area_id):
                from linewise.core.errors import Forbidden

                raise Forbidden(f"{noun}: outside your areas")

    def list_items(
        params: ListParams = Depends(list_params),
        principal: Principal = Depends(require(read_permission)),
        db: Session = Depends(get_db),
        **kw: Any,
    ) -> dict[str, Any]:
        stmt = select(model)
        for name, col in filters.items():
            value = kw.get(name)
            if value is not None:
                stmt = stmt.where(col == value)
        cond = text_filter(params.q, search)
        if cond is not None:
            stmt = stmt.where(cond)
        if scope is not None and principal.area_scoped:
            stmt = scope(stmt, principal)
        stmt = apply_sort(stmt, params.sort, sortable, [model.id])  # type: ignore[attr-defined]
        return page_out(paginate(db, stmt, params), out)

    # FastAPI reads the signature, so filters become real, documented query parameters.
    import inspect as _inspect

    sig = _inspect.signature(list_items)
    extra = [
        _inspect.Parameter(
            name,
            _inspect.Parameter.KEYWORD_ONLY,
            default=Query(None),
            annotation=col.type.python_type | None,
        )
        for name, col in filters.items()
    ]
    base = [p for p in sig.parameters.values() if p.kind != _inspect.Parameter.VAR_KEYWORD]
    list_items.__signature__ = sig.replace(parameters=base + extra)  # type: ignore[attr-defined]
    router.add_api_route(
        path,
        list_items,
        methods=["GET"],
        response_model=PageOut[out],  # type: ignore[valid-type]
        summary=f"List {noun}",
    )

    def get_item(
        item_id: int,
        response: Response,
        principal: Principal = Depends(require(read_permission)),
        db: Session = Depends(get_db),
    ) -> Any:
        obj = get_or_404(db, model, item_id)
        response.headers["ETag"] = etag(obj.version)  # type: ignore[attr-defined]
        return out.model_validate(obj)

    router.add_api_route(
        f"{path}/{{item_id}}", get_item, methods=["GET"], response_model=out, summary=f"Get {noun}"
    )

    def create_item(
        body: create,  # type: ignore[valid-type]
        response: Response,
        principal: Principal = Depends(require(write_permission)),
        db: Session = Depends(get_db),
    ) -> Any:
        data = body.model_dump()  # type: ignore[attr-defined]
        _ensure_area(db, principal, data)
        if guard is not None:
            guard(db, principal, None, data)
        extras = {k: data.pop(k) for k in list(data) if k in special}
        check_references(db, model, data)
        if validate is not None:
            validate(db, data, None)
        check_unique(db, model, data, None)
        obj = model(**data)
        for key, value in extras.items():
            special[key](db, obj, value)
        db.add(obj)
        db.flush()  # the version for the ETag; the request commits
        response.status_code = 201
        response.headers["ETag"] = etag(obj.version)  # type: ignore[attr-defined]
        return out.model_validate(obj)

    router.add_api_route(
        path,
        create_item,
        methods=["POST"],
        response_model=out,
        status_code=201,
        summary=f"Create {noun}",
    )

    def update_item(
        item_id: int,
        body: update,  # type: ignore[valid-type]
        response: Response,
        if_match: str | None = Header(None),
        principal: Principal = Depends(require(write_permission)),
        db: Session = Depends(get_db),
    ) -> Any:
        obj = get_or_404(db, model, item_id)
        _ensure_area(db, principal, obj)
        data = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        if guard is not None:
            guard(db, principal, obj, data)
        check_version(obj.version, if_match, data.pop("version", None))  # type: ignore[attr-defined]
        # Nested items are whole records: exclude_unset above would also drop their
        # defaults (a shift pattern sent without a name lost its "" and hit NOT NULL).
        full = body.model_dump()  # type: ignore[attr-defined]
        extras = {k: full[k] for k in list(data) if k in special}
        for k in extras:
            data.pop(k)
        for key, value in data.items():
            if value is None and not _table(model).c[key].nullable:
                raise ValidationProblem(
                    f"{key} cannot be empty", errors=[FieldError(key, "may not be null")]
                )
        check_references(db, model, data)
        if validate is not None:
            validate(db, data, item_id)
        check_unique(db, model, data, item_id)
        for key, value in data.items():
            setattr(obj, key, value)
        for key, value in extras.items():
            if value is not None:
                special[key](db, obj, value)
                # Replacing nested rows (a calendar's shifts) leaves the record's own row
                # untouched, so its version stayed and a stale copy could overwrite them.
                if hasattr(obj, "updated_at"):
                    obj.updated_at = utcnow()
        db.flush()  # the version for the ETag; the request commits
        response.headers["ETag"] = etag(obj.version)  # type: ignore[attr-defined]
        return out.model_validate(obj)

    router.add_api_route(
        f"{path}/{{item_id}}",
        update_item,
        methods=["PATCH"],
        response_model=out,
        summary=f"Update {noun}",
    )

    def delete_item(
        item_id: int,
        if_match: str | None = Header(None),
        principal: Principal = Depends(require(write_permission)),
        db: Session = Depends(get_db),
    ) -> Response:
        obj = get_or_404(db, model, item_id)
        _ensure_area(db, principal, obj)
        if guard is not None:
            guard(db, principal, obj, None)
        check_version(obj.version, if_match, None) if if_match else None  # type: ignore[attr-defined]
        db.delete(obj)
        try:
            # Flushed here, not left to the commit, to name what is still in use.
            db.flush()
        except IntegrityError as exc:
            raise Conflict(f"{noun} {item_id} is still in use and cannot be deleted") from exc
        return Response(status_code=204)

    router.add_api_route(
        f"{path}/{{item_id}}",
        delete_item,
        methods=["DELETE"],
        status_code=204,
        summary=f"Delete {noun}",
    )
    return router
