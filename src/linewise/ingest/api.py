"""HTTP ingest, the quarantine, machine states and intervals."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from linewise.api.body_limit import limited_body_route
from linewise.api.crud import get_or_404
from linewise.api.deps import Principal, get_db, require
from linewise.config import Settings
from linewise.core.errors import (
    FieldError,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationProblem,
)
from linewise.core.security import DEVICE_INGEST
from linewise.domains.equipment.models import Machine
from linewise.ingest import repository
from linewise.ingest.events import decode_body
from linewise.ingest.floor import floor_snapshot, machine_rows
from linewise.ingest.quarantine import quarantine_page
from linewise.ingest.recorder import Overloaded, Recorder
from linewise.ingest.schemas import (
    FloorOut,
    IngestOut,
    MachineIntervalsOut,
    MachineStatusOut,
    QuarantinePageOut,
    RejectOut,
)
from linewise.ingest.store import WriteResult, delivery_digest


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"at most {limit} bytes per request (setting LINEWISE_INGEST_MAX_BYTES); "
        "send smaller batches",
        errors=[FieldError("body", f"at most {limit} bytes")],
        limit=limit,
    )


# An ingest body over the limit is refused while it arrives; the other routes here have
# no body, so the limit costs them nothing.
router = APIRouter(
    tags=["machine data"],
    route_class=limited_body_route(lambda settings: settings.ingest_max_bytes, _too_large),
)


def recorder_of(request: Request) -> Recorder:
    recorder: Recorder = request.app.state.recorder
    if not recorder.running:  # the service container starts it; never a request
        raise ServiceUnavailable(
            "ingest is not running: the server is starting or stopping; retry",
            headers={"Retry-After": "1"},
        )
    return recorder


recorder_of.needs_service = "recorder"  # type: ignore[attr-defined]  # documents the 503


def _answer(result: WriteResult) -> Response:
    body = IngestOut(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[RejectOut(**r.as_dict()) for r in result.rejected],
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.post("/ingest", response_model=IngestOut)
async def ingest(
    request: Request, principal: Principal = Depends(require(DEVICE_INGEST))
) -> Response:
    """Machine events as a JSON array, one JSON object, or NDJSON (protocol v1).

    Answers after the events are committed: what is acknowledged is stored. Bad events
    are quarantined with their reason and never cost the valid ones beside them.
    """
    body = await request.body()  # at most LINEWISE_INGEST_MAX_BYTES (see the route class)
    settings: Settings = request.app.state.settings
    # Decoding a large batch takes a CPU for seconds: in a worker thread, so that the
    # event loop (every other request, /health included) is not held up meanwhile.
    events, rejects = await run_in_threadpool(
        decode_body,
        body,
        request.headers.get("content-type", ""),
        max_future=timedelta(seconds=settings.ingest_max_future_s),
        max_past=timedelta(seconds=settings.ingest_max_past_s),
    )
    source = f"http:{principal.actor}"
    delivery = await run_in_threadpool(delivery_digest, source, body)
    del body
    recorder = recorder_of(request)
    try:
        future = recorder.submit(events, rejects, source, delivery)
    except Overloaded as exc:
        raise ServiceUnavailable(
            f"ingest is behind ({exc.pending} events queued); retry after {exc.retry_after} s",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    result = await asyncio.wrap_future(future)
    # Thousands of rejects take a while to serialise: off the event loop too.
    return await run_in_threadpool(_answer, result)


@router.get("/ingest/quarantine", response_model=QuarantinePageOut)
def quarantine(
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require("machinedata:admin")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Refused events, newest first, with the reason and the payload as received.

    Supervisors see those of their areas' machines only (see ``ingest.quarantine``).
    """
    rows = quarantine_page(db, _areas(principal), limit, offset)
    return {
        "items": [
            {
                "id": r.id,
                "received_at": r.received_at,
                "source": r.source,
                "field": r.field,
                "reason": r.reason,
                "payload": r.payload,
            }
            for r in rows
        ],
        "limit": limit,
        "offset": offset,
    }


def _areas(principal: Principal) -> frozenset[int] | None:
    return principal.area_ids if principal.area_scoped else None


@router.get("/floor", response_model=FloorOut)
def floor(
    principal: Principal = Depends(require("floor:read")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Every line with its machines' current state (what the live hub sends first)."""
    return floor_snapshot(db, area_ids=_areas(principal))


@router.get("/machines/{machine_id}/status", response_model=MachineStatusOut)
def machine_status(
    machine_id: int,
    principal: Principal = Depends(require("floor:read")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    rows = machine_rows(db, machine_ids=[machine_id], area_ids=_areas(principal))
    if not rows:
        get_or_404(db, Machine, machine_id)
        from linewise.core.errors import Forbidden

        raise Forbidden("this machine is outside your areas")
    return rows[0]


@router.get("/machines/{machine_id}/intervals", response_model=MachineIntervalsOut)
def machine_intervals(
    machine_id: int,
    start: AwareDatetime = Query(..., alias="from"),
    end: AwareDatetime | None = Query(None, alias="to"),
    principal: Principal = Depends(require("floor:read")),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """State intervals overlapping [from, to): what KPIs and the explain view are built on."""
    machine = get_or_404(db, Machine, machine_id)
    if not principal.may_touch_area(machine.line.area_id):
        from linewise.core.errors import Forbidden

        raise Forbidden("this machine is outside your areas")
    end_at: datetime = end or datetime.now(start.tzinfo)
    if end_at <= start:
        raise ValidationProblem("'to' must be after 'from'", errors=[FieldError("to", "<= from")])
    rows = repository.intervals_overlapping(db, machine_id, start, end_at)
    return {
        "machine_id": machine_id,
        "items": [
            {
                "id": r.id,
                "start": r.start,
                "end": r.end,
                "state": r.state,
                "reason": r.reason,
                "fault": r.fault,
            }
            for r in rows
        ],
    }
