"""Routes: the cost rates the factory sets (master data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Response
from sqlalchemy.orm import Session

from linewise.api.crud import check_version, etag
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.delivery import costs
from linewise.domains.delivery.cost_schemas import CostRatesIn, CostRatesOut

router = APIRouter(tags=["delivery"])


@router.get("/delivery/cost-rates", response_model=CostRatesOut)
def get_cost_rates(
    response: Response,
    _p: Principal = Depends(require("masterdata:read")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """The site's labour and machine-hour rates, each line's own (null: the site's) and
    each material's unit cost (null: not priced)."""
    out = costs.read(db)
    response.headers["ETag"] = etag(int(out["version"]))
    return out


@router.put("/delivery/cost-rates", response_model=CostRatesOut)
def put_cost_rates(
    body: CostRatesIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("masterdata:write")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Replace every rate (optimistic: send the ``version`` or the ETag you read)."""
    check_version(costs.settings(db).version, if_match, body.version)
    for field, ids in (
        ("lines", [r.line_id for r in body.lines]),
        ("materials", [m.material_id for m in body.materials]),
    ):
        seen: set[int] = set()
        for i, x in enumerate(ids):
            if x in seen:
                name = "line_id" if field == "lines" else "material_id"
                raise ValidationProblem(
                    f"{field} listed twice", errors=[FieldError(f"{field}[{i}].{name}", "twice")]
                )
            seen.add(x)
    costs.replace(
        db,
        currency=body.currency,
        labour_per_h=body.labour_per_h,
        machine_per_h=body.machine_per_h,
        lines=[costs.LineRateIn(r.line_id, r.labour_per_h, r.machine_per_h) for r in body.lines],
        materials=[(m.material_id, m.unit_cost) for m in body.materials],
    )
    out = costs.read(db)
    response.headers["ETag"] = etag(int(out["version"]))
    return out
