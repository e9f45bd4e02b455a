"""Routes of maintenance: plans, orders (lifecycle, checklist, labour), generation now,
figures and telemetry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from linewise.api.body_limit import limited_body_route
from linewise.api.crud import get_or_404
from linewise.api.deps import Principal, get_db, require
from linewise.config import Settings
from linewise.core.errors import FieldError, Forbidden, ValidationProblem
from linewise.core.security import roles_for
from linewise.core.time import utcnow
from linewise.domains.documents import service as documents
from linewise.domains.documents.responses import inline_file
from linewise.domains.documents.storage import BlobStore, from_settings
from linewise.domains.maintenance import figures as figs
from linewise.domains.maintenance import files, parts, service
from linewise.domains.maintenance import repository as repo
from linewise.domains.maintenance.models import (
    AnomalyModel,
    AnomalyWarning,
    MaintenanceDocument,
    MaintenanceKind,
    MaintenanceOrder,
    MaintenancePlan,
    MaintenanceStatus,
    WarningStatus,
)
from linewise.domains.maintenance.schemas import (
    MaintenanceAnomalyOut,
    MaintenanceDocumentOut,
    MaintenanceFiguresOut,
    MaintenanceGenerateOut,
    MaintenanceLabourIn,
    MaintenanceModelOut,
    MaintenanceOrderIn,
    MaintenanceOrderOut,
    MaintenancePartIn,
    MaintenancePartOut,
    MaintenancePartRemoveIn,
    MaintenancePlanIn,
    MaintenancePlanOut,
    MaintenanceStepIn,
    MaintenanceTrainIn,
    MaintenanceTrainOut,
    MaintenanceTransitionIn,
    MaintenanceWarningOut,
    TelemetrySeriesOut,
)

router = APIRouter(tags=["maintenance"])
READ = "maintenance:read"
PLAN = "maintenance:plan"
EXECUTE = "maintenance:execute"
MAX_WINDOW = timedelta(days=800)
MAX_SAMPLES = 200_000


def _plan_in(body: MaintenancePlanIn) -> service.PlanIn:
    return service.PlanIn(**body.model_dump())


def _visible_machines(db: Session, p: Principal) -> list[int] | None:
    return repo.machines_in_areas(db, p.area_ids) if p.area_scoped else None


def _check_machine(db: Session, p: Principal, machine_id: int) -> None:
    area = repo.machine_areas(db, [machine_id]).get(machine_id)
    if area is None:
        raise ValidationProblem(
            "no such machine", errors=[FieldError("machine_id", "no such machine")]
        )
    if not p.may_touch_area(area):
        raise Forbidden("this machine is outside your areas")


def _check_target(db: Session, p: Principal, body: MaintenancePlanIn) -> None:
    """A plan's machine, or every machine of its class, must be in the caller's areas."""
    if body.machine_id is not None:
        _check_machine(db, p, body.machine_id)
    elif body.machine_kind is not None and p.area_scoped:
        ids = [m.id for m in repo.machines_of_kind(db, body.machine_kind)]
        if any(not p.may_touch_area(a) for a in repo.machine_areas(db, ids).values()):
            raise Forbidden("machines of this class stand outside your areas")


def _order_out(o: MaintenanceOrder, code: str) -> dict[str, Any]:
    return {
        **{
            k: getattr(o, k)
            for k in (
                "id",
                "version",
                "kind",
                "status",
                "machine_id",
                "plan_id",
                "title",
                "note",
                "due_at",
                "window_start",
                "window_end",
                "duration_min",
                "scheduled_start",
                "scheduled_end",
                "started_at",
                "finished_at",
                "stop_start",
                "stop_reason",
                "created_by",
                "created_at",
            )
        },
        "machine_code": code,
        "steps": [
            {
                "id": s.id,
                "seq": s.seq,
                "text": s.text,
                "result": s.result,
                "note": s.note,
                "done_by": s.done_by,
                "done_at": s.done_at,
            }
            for s in o.steps
        ],
        "labour": [
            {
                "id": lb.id,
                "who": lb.who,
                "minutes": lb.minutes,
                "booked_at": lb.booked_at,
                "booked_by": lb.booked_by,
            }
            for lb in o.labour
        ],
        "labour_min": sum(lb.minutes for lb in o.labour),
    }


def _one(db: Session, o: MaintenanceOrder) -> dict[str, Any]:
    return _order_out(o, repo.machine_codes(db, [o.machine_id]).get(o.machine_id, ""))


def _order(db: Session, p: Principal, order_id: int) -> MaintenanceOrder:
    o = get_or_404(db, MaintenanceOrder, order_id)
    _check_machine(db, p, o.machine_id)
    return o


@router.get("/maintenance/plans", response_model=list[MaintenancePlanOut])
def list_plans(_p: Principal = Depends(require(READ)), db: Session = Depends(get_db)) -> Any:
    return repo.plans(db)


@router.post("/maintenance/plans", response_model=MaintenancePlanOut, status_code=201)
def create_plan(
    body: MaintenancePlanIn, p: Principal = Depends(require(PLAN)), db: Session = Depends(get_db)
) -> Any:
    _check_target(db, p, body)
    plan = service.create_plan(db, _plan_in(body))
    db.flush()
    return plan


@router.put("/maintenance/plans/{plan_id}", response_model=MaintenancePlanOut)
def change_plan(
    plan_id: int,
    body: MaintenancePlanIn,
    p: Principal = Depends(require(PLAN)),
    db: Session = Depends(get_db),
) -> Any:
    plan = get_or_404(db, MaintenancePlan, plan_id)
    _check_target(db, p, body)
    service.change_plan(db, plan, _plan_in(body))
    db.flush()
    return plan


@router.get("/maintenance/orders", response_model=list[MaintenanceOrderOut])
def list_orders(
    status: list[MaintenanceStatus] = Query([], max_length=5),
    kind: MaintenanceKind | None = None,
    machine_id: int | None = Query(None, ge=1, le=2**31 - 1),
    limit: int = Query(200, ge=1, le=1000),
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Any:
    """Orders, newest first; an area-scoped user sees the machines of their areas."""
    visible = _visible_machines(db, p)
    ids: list[int] | None = visible
    if machine_id is not None:
        ids = [machine_id] if visible is None or machine_id in visible else []
    rows = repo.orders(
        db, machine_ids=ids, statuses=[s.value for s in status], kind=kind, limit=limit
    )
    codes = repo.machine_codes(db, {o.machine_id for o in rows})
    return [_order_out(o, codes.get(o.machine_id, "")) for o in rows]


@router.post("/maintenance/orders", response_model=MaintenanceOrderOut, status_code=201)
def create_order(
    body: MaintenanceOrderIn,
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    """An order by hand: an operator's problem report (corrective) or extra work."""
    _check_machine(db, p, body.machine_id)
    o = service.create_order(
        db,
        machine_id=body.machine_id,
        kind=body.kind,
        title=body.title,
        note=body.note,
        checklist=body.checklist,
        due_at=body.due_at,
        duration_min=body.duration_min,
        created_by=p.actor,
    )
    db.flush()
    return _one(db, o)


@router.get("/maintenance/orders/{order_id}", response_model=MaintenanceOrderOut)
def get_order(
    order_id: int, p: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> Any:
    return _one(db, _order(db, p, order_id))


@router.post("/maintenance/orders/{order_id}/transition", response_model=MaintenanceOrderOut)
def transition(
    order_id: int,
    body: MaintenanceTransitionIn,
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    """planned → scheduled (a maintenance window) → in progress → done, or cancelled.
    Scheduling and cancelling need ``maintenance:plan``."""
    o = _order(db, p, order_id)
    if body.to in (
        MaintenanceStatus.SCHEDULED,
        MaintenanceStatus.CANCELLED,
        MaintenanceStatus.PLANNED,
    ):
        require_plan(p)
    service.transition(
        db,
        o,
        body.to,
        scheduled_start=_aware(body.scheduled_start),
        scheduled_end=_aware(body.scheduled_end),
    )
    db.flush()
    return _one(db, o)


def require_plan(p: Principal) -> None:
    if p.role is None or p.role not in roles_for(PLAN):
        raise Forbidden("scheduling and cancelling maintenance needs maintenance:plan")


@router.put("/maintenance/orders/{order_id}/steps/{step_id}", response_model=MaintenanceOrderOut)
def record_step(
    order_id: int,
    step_id: int,
    body: MaintenanceStepIn,
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    o = _order(db, p, order_id)
    service.record_step(o, step_id, body.result, body.note, p.name)
    db.flush()
    return _one(db, o)


@router.post(
    "/maintenance/orders/{order_id}/labour", response_model=MaintenanceOrderOut, status_code=201
)
def book_labour(
    order_id: int,
    body: MaintenanceLabourIn,
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    o = _order(db, p, order_id)
    service.book_labour(o, body.who, body.minutes, p.name)
    db.flush()
    return _one(db, o)


@router.get("/maintenance/orders/{order_id}/parts", response_model=list[MaintenancePartOut])
def list_parts(
    order_id: int, p: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> Any:
    """Spare parts used on the order (issues in the ledger), each with its removal."""
    _order(db, p, order_id)
    return parts.of_order(db, order_id)


def _part(db: Session, order_id: int, movement_id: int) -> dict[str, Any]:
    db.flush()
    [part] = parts.of_order(db, order_id, only=movement_id)
    return part


@router.post(
    "/maintenance/orders/{order_id}/parts", response_model=MaintenancePartOut, status_code=201
)
def record_part(
    order_id: int,
    body: MaintenancePartIn,
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    """A spare part used: issued from stock to the order (stock on hand falls). A
    location that does not go below zero refuses a shortfall (409 naming ``qty``)."""
    o = _order(db, p, order_id)
    moved = parts.record(db, o, **body.model_dump())
    return _part(db, order_id, moved.id)


@router.post(
    "/maintenance/orders/{order_id}/parts/{movement_id}/removal",
    response_model=MaintenancePartOut,
    status_code=201,
)
def remove_part(
    order_id: int,
    movement_id: int,
    body: MaintenancePartRemoveIn,
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    """A part booked by mistake goes back into stock by the issue's reversal (the
    ledger is never edited); the answer is the part, now removed."""
    o = _order(db, p, order_id)
    parts.remove(db, o, movement_id, body.reason)
    return _part(db, order_id, movement_id)


@router.post("/maintenance/generate", response_model=MaintenanceGenerateOut)
def generate(
    request: Request, _p: Principal = Depends(require(PLAN)), db: Session = Depends(get_db)
) -> Any:
    """Run the order generation now (the periodic job does the same)."""
    g = service.generate(db, utcnow(), request.app.state.settings.maintenance_corrective_after_min)
    return {"preventive": g.preventive, "corrective": g.corrective}


def _aware(t: datetime | None, name: str = "time") -> datetime | None:
    if t is not None and t.tzinfo is None:
        raise ValidationProblem(
            f"{name}: give a UTC offset", errors=[FieldError(name, "naive date-time")]
        )
    return t


def _window(
    start: datetime | None, end: datetime | None, default: timedelta
) -> tuple[datetime, datetime]:
    end = _aware(end, "to") or utcnow()
    try:
        start = _aware(start, "from") or end - default
    except OverflowError:
        raise ValidationProblem(
            "window out of range", errors=[FieldError("to", "too early")]
        ) from None
    if end <= start:
        raise ValidationProblem("empty window", errors=[FieldError("to", "after from")])
    if end - start > MAX_WINDOW:
        raise ValidationProblem("window too long", errors=[FieldError("from", "at most 800 days")])
    return start, end


@router.get("/maintenance/figures", response_model=MaintenanceFiguresOut)
def figures(
    start: datetime | None = Query(None, alias="from"),
    end: datetime | None = Query(None, alias="to"),
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Any:
    """MTBF, MTTR, CMR, preventive compliance and backlog per machine (default: 30 days)."""
    a, b = _window(start, end, timedelta(days=30))
    machines = repo.machines(db, _visible_machines(db, p))
    rows = figs.machine_figures(db, machines, a, b, utcnow())
    codes = {m.id: m.code for m in machines}
    out = [{**r.__dict__, "machine_code": codes[r.machine_id]} for r in rows]
    return {
        "start": a,
        "end": b,
        "machines": out,
        "total": {**figs.total(rows).__dict__, "machine_code": ""},
    }


@router.get("/maintenance/telemetry", response_model=TelemetrySeriesOut)
def telemetry(
    machine_id: int = Query(ge=1, le=2**31 - 1),
    start: datetime | None = Query(None, alias="from"),
    end: datetime | None = Query(None, alias="to"),
    buckets: int = Query(300, ge=1, le=5000),
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Any:
    """A machine's signals over a window (default: the last 24 h), downsampled into
    ``buckets`` buckets of min, mean and max for the screen."""
    _check_machine(db, p, machine_id)
    a, b = _window(start, end, timedelta(hours=24))
    s = service.telemetry_series(db, machine_id, a, b, buckets, MAX_SAMPLES)
    return {
        "machine_id": machine_id,
        "start": a,
        "end": b,
        "bucket_s": (b - a).total_seconds() / buckets,
        "samples": s.samples,
        "truncated": s.truncated,
        "signals": [
            {"signal": n, "unit": s.units.get(n) or None, "buckets": [x.__dict__ for x in bs]}
            for n, bs in s.signals.items()
        ],
    }


@router.get("/maintenance/anomalies", response_model=list[MaintenanceAnomalyOut])
def anomalies(
    machine_id: int = Query(ge=1, le=2**31 - 1),
    start: datetime | None = Query(None, alias="from"),
    end: datetime | None = Query(None, alias="to"),
    signal: str | None = Query(None, max_length=60),
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Any:
    """Early warnings: the streaming anomaly detector's alarms on a machine's signals
    over a window (default: the last 7 days), each naming the signals behind it."""
    _check_machine(db, p, machine_id)
    a, b = _window(start, end, timedelta(days=7))
    if b - a > timedelta(days=31):
        raise ValidationProblem("window too long", errors=[FieldError("from", "at most 31 days")])
    return [x.__dict__ for x in service.anomalies(db, machine_id, a, b, signal)]


def _warning_out(w: AnomalyWarning, code: str) -> dict[str, Any]:
    return {
        **{k: getattr(w, k) for k in MaintenanceWarningOut.model_fields if k != "machine_code"},
        "machine_code": code,
    }


def _warning(db: Session, p: Principal, warning_id: int) -> AnomalyWarning:
    w = get_or_404(db, AnomalyWarning, warning_id)
    _check_machine(db, p, w.machine_id)
    return w


@router.get("/maintenance/warnings", response_model=list[MaintenanceWarningOut])
def list_warnings(
    machine_id: int | None = Query(None, ge=1, le=2**31 - 1),
    status: list[WarningStatus] = Query([], max_length=3),
    since: datetime | None = None,
    limit: int = Query(200, ge=1, le=1000),
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Any:
    """The live detector's stored early warnings (one per episode), the latest alarm
    first; an area-scoped user sees the machines of their areas."""
    visible = _visible_machines(db, p)
    ids: list[int] | None = visible
    if machine_id is not None:
        ids = [machine_id] if visible is None or machine_id in visible else []
    rows = repo.warnings(
        db, machine_ids=ids, statuses=[s.value for s in status], since=since, limit=limit
    )
    codes = repo.machine_codes(db, {w.machine_id for w in rows})
    return [_warning_out(w, codes.get(w.machine_id, "")) for w in rows]


@router.post("/maintenance/warnings/{warning_id}/acknowledge", response_model=MaintenanceWarningOut)
def acknowledge_warning(
    warning_id: int, p: Principal = Depends(require(EXECUTE)), db: Session = Depends(get_db)
) -> Any:
    w = service.acknowledge(_warning(db, p, warning_id), p.actor)
    db.flush()
    return _warning_out(w, repo.machine_codes(db, [w.machine_id]).get(w.machine_id, ""))


@router.post("/maintenance/warnings/{warning_id}/resolve", response_model=MaintenanceWarningOut)
def resolve_warning(
    warning_id: int, p: Principal = Depends(require(EXECUTE)), db: Session = Depends(get_db)
) -> Any:
    """Close the episode: the machine's next alarm opens a new warning."""
    w = service.resolve(_warning(db, p, warning_id), p.actor)
    db.flush()
    return _warning_out(w, repo.machine_codes(db, [w.machine_id]).get(w.machine_id, ""))


@router.post(
    "/maintenance/warnings/{warning_id}/order", response_model=MaintenanceOrderOut, status_code=201
)
def order_from_warning(
    warning_id: int, p: Principal = Depends(require(EXECUTE)), db: Session = Depends(get_db)
) -> Any:
    """One tap from a warning to a preventive maintenance order naming its signals."""
    o = service.order_from_warning(db, _warning(db, p, warning_id), p.actor)
    db.flush()
    return _one(db, o)


@router.get("/maintenance/models", response_model=list[MaintenanceModelOut])
def list_models(
    machine_id: int | None = Query(None, ge=1, le=2**31 - 1),
    limit: int = Query(200, ge=1, le=1000),
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Any:
    """The anomaly detector's trained baselines, every version, the newest first: the
    training window, the held-out window and its evaluation, or why there was not
    enough history."""
    visible = _visible_machines(db, p)
    ids: list[int] | None = visible
    if machine_id is not None:
        ids = [machine_id] if visible is None or machine_id in visible else []
    rows = repo.models(db, ids, limit)
    codes = repo.machine_codes(db, {m.machine_id for m in rows})
    return [_model_out(m, codes.get(m.machine_id, "")) for m in rows]


def _model_out(m: AnomalyModel, code: str) -> dict[str, Any]:
    return {
        **{
            k: getattr(m, k)
            for k in MaintenanceModelOut.model_fields
            if k not in ("machine_code", "evaluation")
        },
        "machine_code": code,
        "evaluation": m.evaluation or None,
    }


def _choose(
    db: Session, p: Principal, model_id: int, change: Callable[[Session, AnomalyModel], None]
) -> dict[str, Any]:
    """A planner's choice about one version of a machine they may touch."""
    m = get_or_404(db, AnomalyModel, model_id)
    _check_machine(db, p, m.machine_id)
    change(db, m)
    db.flush()
    return _model_out(m, repo.machine_codes(db, [m.machine_id]).get(m.machine_id, ""))


@router.post(
    "/maintenance/models/{model_id}/activate",
    response_model=MaintenanceModelOut,
    responses={409: {"description": "the version has no baseline (not enough history)"}},
)
def activate_model(
    model_id: int, p: Principal = Depends(require(PLAN)), db: Session = Depends(get_db)
) -> Any:
    """Make this trained version the machine's active baseline (e.g. back to an older
    one): the live detector restarts from it. The weekly retraining then leaves it
    active until a planner trains on request or chooses again."""
    return _choose(db, p, model_id, service.activate_model)


@router.post(
    "/maintenance/models/{model_id}/deactivate",
    response_model=MaintenanceModelOut,
    responses={409: {"description": "the version is not the active one"}},
)
def deactivate_model(
    model_id: int, p: Principal = Depends(require(PLAN)), db: Session = Depends(get_db)
) -> Any:
    """Switch the machine's active baseline off: its live detector forgets and learns
    the machine afresh (its first day of samples)."""
    return _choose(db, p, model_id, service.deactivate_model)


@router.post("/maintenance/models/train", response_model=MaintenanceTrainOut, status_code=202)
def train_models(
    body: MaintenanceTrainIn, p: Principal = Depends(require(PLAN)), db: Session = Depends(get_db)
) -> Any:
    """Train new baseline versions as a background job: one machine, or every machine the
    caller sees (an area-scoped user's areas)."""
    ids: list[int] | None = None
    if body.machine_id is not None:
        _check_machine(db, p, body.machine_id)
        ids = [body.machine_id]
    elif p.area_scoped:
        ids = _visible_machines(db, p)
    return {"job_id": service.request_training(db, ids)}


# --- files and photos on orders (the documents' store and upload rules) ---------------

# A body over LINEWISE_DOCUMENTS_MAX_BYTES is refused while it arrives, not after.
files_router = APIRouter(
    tags=["maintenance"],
    route_class=limited_body_route(
        lambda st: st.documents_max_bytes, documents.too_large, slack=64 * 1024
    ),
)


def _store(request: Request) -> BlobStore:
    """The app's one document store (made once per app, shared with work instructions)."""
    state = request.app.state
    store: BlobStore | None = getattr(state, "document_store", None)
    if store is None:
        settings: Settings = state.settings
        store = state.document_store = from_settings(settings)
    return store


@files_router.post(
    "/maintenance/orders/{order_id}/files", response_model=MaintenanceDocumentOut, status_code=201
)
def attach_file(
    request: Request,
    order_id: int,
    file: UploadFile = File(..., description="a PDF or an image (PNG, JPEG, GIF, WebP)"),
    p: Principal = Depends(require(EXECUTE)),
    db: Session = Depends(get_db),
) -> Any:
    """A file or photo on an order. Refused by field as work instructions are: over
    LINEWISE_DOCUMENTS_MAX_BYTES (413), not a PDF or image by its bytes (415)."""
    order = _order(db, p, order_id)
    limit: int = request.app.state.settings.documents_max_bytes
    row = files.attach(db, _store(request), order, file.filename, file.file, limit, p.name)
    db.flush()
    return files.as_dict(row)


@router.get("/maintenance/orders/{order_id}/files", response_model=list[MaintenanceDocumentOut])
def list_files(
    order_id: int, p: Principal = Depends(require(READ)), db: Session = Depends(get_db)
) -> Any:
    _order(db, p, order_id)
    return [files.as_dict(r) for r in files.of_order(db, order_id)]


@router.get(
    "/maintenance/files/{file_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/*": {}}}},
)
def file_content(
    request: Request,
    file_id: int,
    p: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The file, as the type its bytes showed at upload, shown inline, streamed."""
    row = get_or_404(db, MaintenanceDocument, file_id)
    _order(db, p, row.order_id)
    blob = files.open_file(_store(request), row)
    return inline_file(blob, row.filename, row.content_type)
