"""Routes for the reason-code trees."""

from __future__ import annotations

from linewise.api.crud import crud_router
from linewise.domains.quality.models import ReasonCode
from linewise.domains.quality.schemas import ReasonCodeIn, ReasonCodeOut

router = crud_router(
    path="/reason-codes",
    model=ReasonCode,
    out=ReasonCodeOut,
    create=ReasonCodeIn,
    read_permission="masterdata:read",
    write_permission="masterdata:write",
    search=[ReasonCode.code, ReasonCode.name],
    sortable={"code": ReasonCode.code, "category": ReasonCode.category},
    filters={
        "category": ReasonCode.category,
        "machine_class": ReasonCode.machine_class,
        "parent_id": ReasonCode.parent_id,
    },
    tag="quality",
)
