"""Routes for materials."""

from __future__ import annotations

from linewise.api.crud import crud_router
from linewise.domains.inventory.models import Material
from linewise.domains.inventory.schemas import MaterialIn, MaterialOut

router = crud_router(
    path="/materials",
    model=Material,
    out=MaterialOut,
    create=MaterialIn,
    read_permission="masterdata:read",
    write_permission="masterdata:write",
    search=[Material.code, Material.name],
    sortable={"code": Material.code, "name": Material.name},
    tag="inventory",
)
