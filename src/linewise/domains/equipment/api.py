"""Routes for sites, areas, lines and machines (generic CRUD, area-scoped)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Select
from sqlalchemy.orm import Session

from linewise.api.crud import crud_router
from linewise.api.deps import Principal
from linewise.domains.equipment import repository
from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.equipment.schemas import (
    AreaIn,
    AreaOut,
    LineIn,
    LineOut,
    MachineIn,
    MachineOut,
    SiteIn,
    SiteOut,
)

READ, WRITE = "masterdata:read", "equipment:write"


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else getattr(data, key, None)


def _area_of_line(db: Session, data: Any) -> int | None:
    area_id = _get(data, "area_id")
    return int(area_id) if area_id is not None else None


def _area_of_machine(db: Session, data: Any) -> int | None:
    return repository.area_of_line(db, _get(data, "line_id"))


def _scope_areas(stmt: Select[Any], p: Principal) -> Select[Any]:
    return repository.areas_within(stmt, p.area_ids)


def _scope_lines(stmt: Select[Any], p: Principal) -> Select[Any]:
    return repository.lines_within(stmt, p.area_ids)


def _scope_machines(stmt: Select[Any], p: Principal) -> Select[Any]:
    return repository.machines_within(stmt, p.area_ids)


router = APIRouter()
router.include_router(
    crud_router(
        path="/sites",
        model=Site,
        out=SiteOut,
        create=SiteIn,
        read_permission=READ,
        write_permission=WRITE,
        search=[Site.code, Site.name],
        sortable={"code": Site.code, "name": Site.name},
        tag="equipment",
    )
)
router.include_router(
    crud_router(
        path="/areas",
        model=Area,
        out=AreaOut,
        create=AreaIn,
        read_permission=READ,
        write_permission=WRITE,
        search=[Area.code, Area.name],
        sortable={"code": Area.code, "name": Area.name},
        filters={"site_id": Area.site_id},
        scope=_scope_areas,
        tag="equipment",
    )
)
router.include_router(
    crud_router(
        path="/lines",
        model=Line,
        out=LineOut,
        create=LineIn,
        read_permission=READ,
        write_permission=WRITE,
        search=[Line.code, Line.name],
        sortable={"code": Line.code, "name": Line.name, "type": Line.type},
        filters={"area_id": Line.area_id, "type": Line.type},
        scope=_scope_lines,
        area_of=_area_of_line,
        tag="equipment",
    )
)
router.include_router(
    crud_router(
        path="/machines",
        model=Machine,
        out=MachineOut,
        create=MachineIn,
        read_permission=READ,
        write_permission=WRITE,
        search=[Machine.code, Machine.name, Machine.kind],
        sortable={"code": Machine.code, "name": Machine.name, "position": Machine.position},
        filters={"line_id": Machine.line_id, "kind": Machine.kind},
        scope=_scope_machines,
        area_of=_area_of_machine,
        tag="equipment",
    )
)
