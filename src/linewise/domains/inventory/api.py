"""Routes for materials, stock levels and expected receipts (deliveries)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from linewise.api.crud import (
    PageOut,
    check_references,
    check_version,
    crud_router,
    etag,
    list_params,
    page_out,
)
from linewise.api.deps import Principal, get_db, require
from linewise.core.query import ListParams, apply_sort, paginate
from linewise.domains.inventory import genealogy_api, ledger_api, service, stock_api
from linewise.domains.inventory import repository as repo
from linewise.domains.inventory.models import Material, Receipt, StockLevel
from linewise.domains.inventory.schemas import (
    MaterialIn,
    MaterialOut,
    ReceiptIn,
    ReceiptOut,
    ReceiptUpdate,
    ReceiveIn,
    ReceiveOut,
    StockLevelIn,
    StockLevelOut,
    StockLevelUpdate,
)

READ = require("masterdata:read")
WRITE = require("inventory:write")
RECEIVE = require("inventory:receive")

router = APIRouter()
router.include_router(
    crud_router(
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
)


# --- stock levels ------------------------------------------------------------------------


@router.get("/stock-levels", response_model=PageOut[StockLevelOut], tags=["inventory"])
def list_stock(
    params: ListParams = Depends(list_params),
    material_id: int | None = Query(None),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    stmt = repo.stock_query(material_id, params.q)
    stmt = apply_sort(stmt, params.sort, repo.STOCK_SORTABLE, [Material.code, StockLevel.id])
    return page_out(paginate(db, stmt, params), StockLevelOut)


@router.get("/stock-levels/{stock_id}", response_model=StockLevelOut, tags=["inventory"])
def get_stock(
    stock_id: int,
    response: Response,
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    stock = repo.get_stock(db, stock_id)
    response.headers["ETag"] = etag(stock.version)
    return StockLevelOut.model_validate(stock)


@router.post("/stock-levels", response_model=StockLevelOut, status_code=201, tags=["inventory"])
def create_stock(
    body: StockLevelIn,
    response: Response,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> Any:
    check_references(db, StockLevel, body.model_dump())
    stock = service.create_stock(db, body.material_id, body.quantity)
    db.flush()
    response.headers["ETag"] = etag(stock.version)
    return StockLevelOut.model_validate(stock)


@router.patch("/stock-levels/{stock_id}", response_model=StockLevelOut, tags=["inventory"])
def update_stock(
    stock_id: int,
    body: StockLevelUpdate,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> Any:
    """A stock count or correction: the new quantity on hand (audited)."""
    stock = repo.get_stock(db, stock_id)
    check_version(stock.version, if_match, body.version)
    if body.quantity is not None and body.quantity != stock.quantity:
        # Through the ledger (an adjustment in the store), so the planner, which reads
        # the ledger, sees it; the ledger moves this figure itself.
        service.correct_stock_level(db, stock, body.quantity)
    db.flush()
    response.headers["ETag"] = etag(stock.version)
    return StockLevelOut.model_validate(stock)


@router.delete("/stock-levels/{stock_id}", status_code=204, tags=["inventory"])
def delete_stock(
    stock_id: int,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> Response:
    stock = repo.get_stock(db, stock_id)
    if if_match is not None:
        check_version(stock.version, if_match, None)
    service.delete_stock(db, stock)
    return Response(status_code=204)


# --- receipts ----------------------------------------------------------------------------


@router.get("/receipts", response_model=PageOut[ReceiptOut], tags=["inventory"])
def list_receipts(
    params: ListParams = Depends(list_params),
    material_id: int | None = Query(None),
    status: str | None = Query(None, description="comma-separated: open, received, cancelled"),
    expected_before: AwareDatetime | None = Query(None),
    expected_after: AwareDatetime | None = Query(None),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    stmt = repo.receipt_query(
        material_id=material_id,
        statuses=[s.strip() for s in status.split(",") if s.strip()] if status else None,
        expected_before=expected_before,
        expected_after=expected_after,
        q=params.q,
    )
    stmt = apply_sort(stmt, params.sort, repo.RECEIPT_SORTABLE, [Receipt.expected_at, Receipt.id])
    return page_out(paginate(db, stmt, params), ReceiptOut)


@router.get("/receipts/{receipt_id}", response_model=ReceiptOut, tags=["inventory"])
def get_receipt(
    receipt_id: int,
    response: Response,
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    receipt = repo.get_receipt(db, receipt_id)
    response.headers["ETag"] = etag(receipt.version)
    return ReceiptOut.model_validate(receipt)


@router.post("/receipts", response_model=ReceiptOut, status_code=201, tags=["inventory"])
def create_receipt(
    body: ReceiptIn,
    response: Response,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> Any:
    """An expected delivery; it stays open until received or cancelled."""
    data = body.model_dump()
    check_references(db, Receipt, data)
    receipt = service.create_receipt(db, data)
    response.headers["ETag"] = etag(receipt.version)
    return ReceiptOut.model_validate(receipt)


@router.patch("/receipts/{receipt_id}", response_model=ReceiptOut, tags=["inventory"])
def update_receipt(
    receipt_id: int,
    body: ReceiptUpdate,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> Any:
    """Reschedule, correct or cancel an open receipt; a received one is history (409)."""
    receipt = repo.get_receipt(db, receipt_id)
    data = body.model_dump(exclude_unset=True)
    check_version(receipt.version, if_match, data.pop("version", None))
    check_references(db, Receipt, data)
    service.update_receipt(receipt, data)
    db.flush()
    db.refresh(receipt)
    response.headers["ETag"] = etag(receipt.version)
    return ReceiptOut.model_validate(receipt)


@router.delete("/receipts/{receipt_id}", status_code=204, tags=["inventory"])
def delete_receipt(
    receipt_id: int,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> Response:
    receipt = repo.get_receipt(db, receipt_id)
    if if_match is not None:
        check_version(receipt.version, if_match, None)
    service.delete_receipt(db, receipt)
    return Response(status_code=204)


@router.post("/receipts/{receipt_id}/receive", response_model=ReceiveOut, tags=["inventory"])
def receive_receipt(
    receipt_id: int,
    body: ReceiveIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(RECEIVE),
    db: Session = Depends(get_db),
) -> Any:
    """Book the delivery in: the receipt becomes received and its quantity goes on hand."""
    receipt = repo.get_receipt(db, receipt_id)
    check_version(receipt.version, if_match, body.version)
    stock = service.receive(db, receipt, body.received_at)
    db.flush()
    db.refresh(receipt)
    db.refresh(stock)
    response.headers["ETag"] = etag(receipt.version)
    return {
        "receipt": ReceiptOut.model_validate(receipt),
        "stock": StockLevelOut.model_validate(stock),
    }


# The material ledger's routes live in their own module; mounted here with the rest.
router.include_router(ledger_api.router)
router.include_router(stock_api.router)
router.include_router(genealogy_api.router)
