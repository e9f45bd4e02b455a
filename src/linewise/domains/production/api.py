"""Routes for products, routings, BOMs, customer orders and production orders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from linewise.api.crud import (
    PageOut,
    check_references,
    check_unique,
    check_version,
    crud_router,
    etag,
    get_or_404,
    list_params,
)
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import FieldError, Forbidden, NotFound, ValidationProblem
from linewise.core.query import ListParams, apply_sort, paginate
from linewise.core.time import utcnow
from linewise.domains.equipment.repository import get_line, line_by_id
from linewise.domains.production import lateness, service
from linewise.domains.production import repository as repo
from linewise.domains.production.lateness import OrderLateness, StagePlan
from linewise.domains.production.models import (
    BomItem,
    CustomerOrder,
    Product,
    ProductionOrder,
)
from linewise.domains.production.schemas import (
    BomIn,
    BomOut,
    CustomerOrderIn,
    CustomerOrderOut,
    OperationActionIn,
    OrderDetail,
    OrderIn,
    OrderSummary,
    OrderUpdate,
    ProductIn,
    ProductOut,
    ReportIn,
    RoutingIn,
    RoutingOut,
    TransitionIn,
)
from linewise.domains.terminal import service as terminal

router = APIRouter()
# A client-generated key: the same key again returns the first answer instead of
# repeating the action (a terminal resending after a lost answer).
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    min_length=4,
    max_length=80,
    pattern=r"^[A-Za-z0-9_.:\-]+$",
    description="optional; the same key again returns the first answer",
)
router.include_router(
    crud_router(
        path="/products",
        model=Product,
        out=ProductOut,
        create=ProductIn,
        read_permission="masterdata:read",
        write_permission="masterdata:write",
        search=[Product.code, Product.name, Product.family],
        sortable={"code": Product.code, "name": Product.name, "family": Product.family},
        filters={"family": Product.family},
        tag="products",
    )
)
router.include_router(
    crud_router(
        path="/customer-orders",
        model=CustomerOrder,
        out=CustomerOrderOut,
        create=CustomerOrderIn,
        read_permission="orders:read",
        write_permission="orders:write",
        search=[CustomerOrder.number, CustomerOrder.customer],
        sortable={"number": CustomerOrder.number, "customer": CustomerOrder.customer},
        tag="orders",
    )
)


# --- routings and BOMs ---------------------------------------------------------------


def routing_out(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "version": product.version,
        "steps": [
            {
                "id": s.id,
                "seq": s.seq,
                "name": s.name,
                "work_center_type": s.work_center_type,
                "setup_time_s": s.setup_time_s,
                "setup_family": s.setup_family,
                "skill": s.skill,
                "splittable": s.splittable,
                "min_wait_s": s.min_wait_s,
                "max_wait_s": s.max_wait_s,
                "eligible": [
                    {"line_id": e.line_id, "line_code": e.line.code, "cycle_time_s": e.cycle_time_s}
                    for e in s.eligible
                ],
            }
            for s in product.steps
        ],
    }


@router.get("/products/{product_id}/routing", response_model=RoutingOut, tags=["products"])
def get_routing(
    product_id: int,
    response: Response,
    _p: Principal = Depends(require("masterdata:read")),
    db: Session = Depends(get_db),
) -> Any:
    product = get_or_404(db, Product, product_id)
    response.headers["ETag"] = etag(product.version)
    return routing_out(product)


@router.put("/products/{product_id}/routing", response_model=RoutingOut, tags=["products"])
def put_routing(
    product_id: int,
    body: RoutingIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("masterdata:write")),
    db: Session = Depends(get_db),
) -> Any:
    """Replace the whole routing (steps are edited together, as in a spreadsheet)."""
    product = get_or_404(db, Product, product_id)
    check_version(product.version, if_match, body.version)
    for i, step in enumerate(body.steps):
        for j, el in enumerate(step.eligible):
            line = line_by_id(db, el.line_id)
            if line is None:
                raise ValidationProblem(
                    "unknown line",
                    errors=[FieldError(f"steps[{i}].eligible[{j}].line_id", "does not exist")],
                )
            if line.type != step.work_center_type:
                raise ValidationProblem(
                    f"line {line.code} is {line.type}, step {step.seq} needs "
                    f"{step.work_center_type}",
                    errors=[FieldError(f"steps[{i}].eligible[{j}].line_id", "wrong line type")],
                )
    service.apply_routing(
        db,
        product,
        [
            (
                step.model_dump(exclude={"eligible"}),
                [(get_line(db, e.line_id), e.cycle_time_s) for e in step.eligible],
            )
            for step in body.steps
        ],
    )
    _bump(product)
    db.flush()
    db.refresh(product)
    response.headers["ETag"] = etag(product.version)
    return routing_out(product)


def _bump(product: Product) -> None:
    # Routing and BOM belong to the product: changing them is a change of the product.
    product.updated_at = utcnow()


def bom_out(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "version": product.version,
        "items": [
            {
                "material": b.material,
                "quantity_per_unit": b.quantity_per_unit,
                "step_seq": b.step_seq,
            }
            for b in product.bom
        ],
    }


@router.get("/products/{product_id}/bom", response_model=BomOut, tags=["products"])
def get_bom(
    product_id: int,
    response: Response,
    _p: Principal = Depends(require("masterdata:read")),
    db: Session = Depends(get_db),
) -> Any:
    product = get_or_404(db, Product, product_id)
    response.headers["ETag"] = etag(product.version)
    return bom_out(product)


@router.put("/products/{product_id}/bom", response_model=BomOut, tags=["products"])
def put_bom(
    product_id: int,
    body: BomIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("masterdata:write")),
    db: Session = Depends(get_db),
) -> Any:
    product = get_or_404(db, Product, product_id)
    check_version(product.version, if_match, body.version)
    for item in body.items:
        check_references(db, BomItem, {"material_id": item.material_id})
    product.bom.clear()
    db.flush()
    product.bom.extend(BomItem(**i.model_dump()) for i in body.items)
    _bump(product)
    db.flush()
    db.refresh(product)
    response.headers["ETag"] = etag(product.version)
    return bom_out(product)


# --- production orders ----------------------------------------------------------------


def summary(order: ProductionOrder, late: OrderLateness) -> dict[str, Any]:
    stage = service.current_stage(order)
    verdict = late.verdict
    return {
        "id": order.id,
        "number": order.number,
        "customer_order": order.customer_order,
        "product": order.product,
        "quantity": order.quantity,
        "release_date": order.release_date,
        "due_date": order.due_date,
        "priority": order.priority,
        "status": order.status,
        "progress": round(service.order_progress(order), 4),
        "current_stage": None
        if stage is None
        else {
            "seq": stage.seq,
            "name": stage.name,
            "work_center_type": stage.work_center_type,
            "status": stage.status,
            "progress": round(service.operation_progress(stage), 4),
        },
        "plan_id": late.plan_id,
        "planned_start": late.planned_start,
        "planned_finish": late.planned_finish,
        "eta": late.eta,
        "eta_low": late.live.low if late.live else None,
        "eta_high": late.live.high if late.live else None,
        "late_risk": round(late.live.p_late, 4) if late.live else None,
        "finish": verdict.finish,
        "finish_basis": verdict.basis,
        "late_by_s": verdict.late_by_s,
        "late": verdict.is_late,
        "completed_at": order.completed_at,
        "version": order.version,
    }


def _planned_line(stage: StagePlan | None) -> dict[str, Any] | None:
    if stage is None:
        return None
    return {"id": stage.line_id, "code": stage.line_code, "name": stage.line_name}


def detail(db: Session, order: ProductionOrder) -> dict[str, Any]:
    late = lateness.of_orders(db, [order])[order.id]
    out = summary(order, late)
    line_ids = [op.line_id for op in order.operations if op.line_id is not None]
    line_ids += [s.line_id for s in late.stages.values()]
    out["site_timezone"] = repo.site_timezone(db, line_ids)
    out["operations"] = [
        {
            "id": op.id,
            "seq": op.seq,
            "name": op.name,
            "work_center_type": op.work_center_type,
            "status": op.status,
            "quantity": op.quantity,
            "good_qty": op.good_qty,
            "scrap_qty": op.scrap_qty,
            "rework_qty": op.rework_qty,
            "progress": round(service.operation_progress(op), 4),
            "line": op.line,
            "started_at": op.started_at,
            "completed_at": op.completed_at,
            "planned_start": planned.start if planned else None,
            "planned_finish": planned.end if planned else None,
            "planned_line": _planned_line(planned),
            "version": op.version,
        }
        for op in order.operations
        for planned in [late.stages.get(op.id)]
    ]
    return out


@router.get("/orders", response_model=PageOut[OrderSummary], tags=["orders"])
def list_orders(
    params: ListParams = Depends(list_params),
    status: str | None = Query(None, description="comma-separated statuses"),
    due_before: AwareDatetime | None = Query(None),
    due_after: AwareDatetime | None = Query(None),
    late: bool | None = Query(None),
    product_id: int | None = Query(None),
    customer_order_id: int | None = Query(None),
    _p: Principal = Depends(require("orders:read")),
    db: Session = Depends(get_db),
) -> Any:
    # One instant for the filter, the sort and the verdicts: they read the same estimates.
    now = utcnow()
    stmt = repo.order_query(
        statuses=[s.strip() for s in status.split(",") if s.strip()] if status else None,
        q=params.q,
        due_before=due_before,
        due_after=due_after,
        late=late,
        product_id=product_id,
        customer_order_id=customer_order_id,
        now=now,
    )
    stmt = apply_sort(stmt, params.sort, repo.order_sortable(now), [ProductionOrder.id])
    page = paginate(db, stmt, params)
    verdicts = lateness.of_orders(db, page.items, now)
    return {
        "items": [summary(o, verdicts[o.id]) for o in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get("/orders/{order_id}", response_model=OrderDetail, tags=["orders"])
def get_order(
    order_id: int,
    response: Response,
    _p: Principal = Depends(require("orders:read")),
    db: Session = Depends(get_db),
) -> Any:
    order = repo.get_order(db, order_id)
    response.headers["ETag"] = etag(order.version)
    return detail(db, order)


@router.post("/orders", response_model=OrderDetail, status_code=201, tags=["orders"])
def create_order(
    body: OrderIn,
    response: Response,
    _p: Principal = Depends(require("orders:write")),
    db: Session = Depends(get_db),
) -> Any:
    data = body.model_dump()
    check_references(db, ProductionOrder, data)
    check_unique(db, ProductionOrder, data, None)
    order = service.create_order(db, data)
    db.flush()
    service.announce(db, "created", [order.id])
    order = repo.get_order(db, order.id)
    response.headers["ETag"] = etag(order.version)
    return detail(db, order)


@router.patch("/orders/{order_id}", response_model=OrderDetail, tags=["orders"])
def update_order(
    order_id: int,
    body: OrderUpdate,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("orders:write")),
    db: Session = Depends(get_db),
) -> Any:
    order = repo.get_order(db, order_id)
    data = body.model_dump(exclude_unset=True)
    check_version(order.version, if_match, data.pop("version", None))
    check_references(db, ProductionOrder, data)
    if "quantity" in data and data["quantity"] is not None:
        service.change_quantity(order, data.pop("quantity"))
    for key, value in data.items():
        if value is None and key in ("due_date", "priority"):
            continue
        setattr(order, key, value)
    db.flush()
    service.announce(db, "edited", [order.id])
    order = repo.get_order(db, order_id)
    response.headers["ETag"] = etag(order.version)
    return detail(db, order)


@router.post("/orders/{order_id}/transitions", response_model=OrderDetail, tags=["orders"])
def transition_order(
    order_id: int,
    body: TransitionIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("orders:transition")),
    db: Session = Depends(get_db),
) -> Any:
    """Move an order along its state machine (release, hold, resume, complete, cancel)."""
    order = repo.get_order(db, order_id)
    check_version(order.version, if_match, body.version)
    service.transition_order(order, body.to)
    db.flush()
    service.announce(db, str(order.status), [order.id])
    order = repo.get_order(db, order_id)
    response.headers["ETag"] = etag(order.version)
    return detail(db, order)


@router.post(
    "/orders/{order_id}/operations/{op_id}/actions", response_model=OrderDetail, tags=["orders"]
)
def operation_action(
    order_id: int,
    op_id: int,
    body: OperationActionIn,
    if_match: str | None = Header(None),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    principal: Principal = Depends(require("operations:execute")),
    db: Session = Depends(get_db),
) -> Any:
    """start | hold | resume | complete one operation (from the floor terminal)."""
    print_ = terminal.fingerprint("order-action", op_id, body.model_dump())
    if idempotency_key and (first := terminal.replay(db, idempotency_key, print_)) is not None:
        return first
    order = repo.get_order(db, order_id)
    op = repo.get_operation(order, op_id)
    check_version(op.version, if_match, body.version)
    service.act_on_operation(db, order, op, body.action, body.line_id, principal.may_touch_area)
    db.flush()
    answer = detail(db, repo.get_order(db, order_id))
    if idempotency_key:
        stored = OrderDetail.model_validate(answer).model_dump(mode="json")
        terminal.remember(db, idempotency_key, print_, body.action, op, stored)
        db.flush()
    return answer


@router.post(
    "/orders/{order_id}/operations/{op_id}/reports", response_model=OrderDetail, tags=["orders"]
)
def report_operation(
    order_id: int,
    op_id: int,
    body: ReportIn,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    principal: Principal = Depends(require("operations:execute")),
    db: Session = Depends(get_db),
) -> Any:
    """Add good / scrap / rework quantities to a running operation.

    With an ``Idempotency-Key`` the report counts once: the same key again returns the
    first answer (the operator terminal sends every report with one).
    """
    print_ = terminal.fingerprint("order-report", op_id, body.model_dump())
    if idempotency_key and (first := terminal.replay(db, idempotency_key, print_)) is not None:
        return first
    order = repo.get_order(db, order_id)
    op = repo.get_operation(order, op_id)
    area = op.line.area_id if op.line else None
    if not principal.may_touch_area(area):
        raise Forbidden("this operation runs on a line outside your areas")
    service.report_quantities(db, op, body.good, body.scrap, body.rework)
    db.flush()
    answer = detail(db, repo.get_order(db, order_id))
    if idempotency_key:
        stored = OrderDetail.model_validate(answer).model_dump(mode="json")
        terminal.remember(
            db,
            idempotency_key,
            print_,
            "report",
            op,
            stored,
            good=body.good,
            scrap=body.scrap,
            rework=body.rework,
        )
        db.flush()
    return answer


@router.get("/orders/by-number/{number}", response_model=OrderDetail, tags=["orders"])
def get_order_by_number(
    number: str,
    _p: Principal = Depends(require("orders:read")),
    db: Session = Depends(get_db),
) -> Any:
    order = repo.get_order_by_number(db, number)
    if order is None:
        raise NotFound(f"no production order numbered '{number}'")
    return detail(db, order)
