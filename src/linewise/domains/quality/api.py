"""Routes: reason codes, defect codes, inspection plans and characteristics, inspection
results, nonconformances and holds, control charts, yield figures and the defect Pareto."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from linewise.api.crud import crud_router
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import FieldError, Forbidden, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.quality import repository, sampling, service
from linewise.domains.quality.models import (
    Characteristic,
    DefectCode,
    InspectionPlan,
    ReasonCode,
)
from linewise.domains.quality.schemas import (
    QualityCharacteristicIn,
    QualityCharacteristicOut,
    QualityChartOut,
    QualityDefectCodeIn,
    QualityDefectCodeOut,
    QualityDispositionIn,
    QualityFiguresOut,
    QualityHoldOut,
    QualityInspectionIn,
    QualityInspectionOut,
    QualityInspectionPage,
    QualityNonconformanceIn,
    QualityNonconformanceOut,
    QualityNonconformancePage,
    QualityOutOfControlOut,
    QualityParetoOut,
    QualityPlanIn,
    QualityPlanOut,
    QualitySampleDueOut,
    ReasonCodeIn,
    ReasonCodeOut,
)

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

READ = "quality:read"
RECORD = "quality:record"
PLANS = "quality:plans"
DISPOSE = "quality:disposition"


def _check_plan(db: Session, data: dict[str, Any], _id: int | None) -> None:
    sampling = data.get("sampling")
    if sampling == "nth" and not data.get("sample_every"):
        raise ValidationProblem(
            "every n-th unit needs n",
            errors=[FieldError("sample_every", "required for sampling 'nth'")],
        )
    if sampling == "random" and not data.get("sample_share"):
        raise ValidationProblem(
            "a random share needs the share",
            errors=[FieldError("sample_share", "required for sampling 'random'")],
        )


defect_codes = crud_router(
    path="/quality/defect-codes",
    model=DefectCode,
    out=QualityDefectCodeOut,
    create=QualityDefectCodeIn,
    read_permission=READ,
    write_permission=PLANS,
    search=[DefectCode.code, DefectCode.name],
    sortable={"code": DefectCode.code, "family": DefectCode.family},
    filters={"family": DefectCode.family, "parent_id": DefectCode.parent_id},
    tag="quality",
)
plans = crud_router(
    path="/quality/plans",
    model=InspectionPlan,
    out=QualityPlanOut,
    create=QualityPlanIn,
    read_permission=READ,
    write_permission=PLANS,
    search=[InspectionPlan.name],
    sortable={"name": InspectionPlan.name, "step_seq": InspectionPlan.step_seq},
    filters={"product_id": InspectionPlan.product_id, "step_seq": InspectionPlan.step_seq},
    validate=_check_plan,
    guard=service.guard_plan,
    tag="quality",
)
characteristics = crud_router(
    path="/quality/characteristics",
    model=Characteristic,
    out=QualityCharacteristicOut,
    create=QualityCharacteristicIn,
    read_permission=READ,
    write_permission=PLANS,
    search=[Characteristic.name],
    sortable={"name": Characteristic.name},
    filters={"plan_id": Characteristic.plan_id, "kind": Characteristic.kind},
    validate=service.check_characteristic,
    guard=service.guard_characteristic,
    tag="quality",
)
router.include_router(defect_codes)
router.include_router(plans)
router.include_router(characteristics)

quality = APIRouter(tags=["quality"])


def _areas(principal: Principal) -> frozenset[int] | None:
    return principal.area_ids if principal.area_scoped else None


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or utcnow()
    start = start or end - timedelta(days=7)
    if start >= end:
        raise ValidationProblem(
            "the window is empty", errors=[FieldError("from", "must be before 'to'")]
        )
    return start, end


@quality.post(
    "/quality/inspections",
    response_model=QualityInspectionOut,
    status_code=status.HTTP_201_CREATED,
)
def record_inspection(
    body: QualityInspectionIn,
    principal: Principal = Depends(require(RECORD)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Record one inspection result (a unit by serial, or a count of units); measured
    variables are judged against their specification and charted; the run rules that
    fire at the new reading come back in ``violations``."""
    if principal.area_scoped and (body.line_id is not None or body.machine_id is not None):
        area = service.area_of(db, body.line_id, body.machine_id)
        if area is not None and not principal.may_touch_area(area):
            raise Forbidden("that line is outside your areas")
    data = service.InspectionData(
        **body.model_dump(exclude={"measurements", "defects", "method"}),
        method=body.method.value,
        measurements=tuple(
            service.MeasurementData(m.characteristic_id, m.value, m.passed)
            for m in body.measurements
        ),
        defects=tuple(
            service.DefectData(d.code, d.ref_designator, d.quantity) for d in body.defects
        ),
    )
    rec = service.record_inspection(db, data, actor=principal.actor)
    db.flush()
    return service.shape_inspection(db, rec.inspection, rec.violations)


@quality.get("/quality/inspections", response_model=QualityInspectionPage)
def list_inspections(
    serial: Annotated[str | None, Query(max_length=80)] = None,
    product_id: int | None = None,
    passed: bool | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Inspection results, newest first; ``serial`` gives a unit's history."""
    items, total = service.list_inspections(
        db,
        serial=serial,
        product_id=product_id,
        line_ids=service.visible_lines(db, _areas(principal)),
        passed=passed,
        limit=limit,
        offset=offset,
    )
    return {"items": [service.shape_inspection(db, i) for i in items], "total": total}


@quality.get("/quality/inspections/{inspection_id}", response_model=QualityInspectionOut)
def get_inspection(
    inspection_id: int,
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    return service.shape_inspection(db, service.get_inspection(db, inspection_id))


@quality.get("/quality/characteristics/{characteristic_id}/chart", response_model=QualityChartOut)
def characteristic_chart(
    characteristic_id: int,
    limit: int = Query(service.CHART_WINDOW, ge=2, le=1000),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """The characteristic's control chart over its latest readings: centre, limits, each
    point with the rules that fired there, the dispersion chart, and Cp/Cpk/Pp/Ppk."""
    return service.chart_for(db, characteristic_id, limit)


@quality.post(
    "/quality/characteristics/{characteristic_id}/acknowledge",
    response_model=QualityCharacteristicOut,
)
def acknowledge_characteristic(
    characteristic_id: int,
    principal: Principal = Depends(require(DISPOSE)),
    db: Session = Depends(get_db),
) -> Characteristic:
    """Clear the out-of-control mark after the cause was dealt with."""
    char = service.acknowledge_control(db, characteristic_id)
    db.flush()
    return char


@quality.get("/quality/out-of-control", response_model=list[QualityOutOfControlOut])
def out_of_control(
    line_id: int | None = None,
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> list[dict[str, Any]]:
    """Characteristics marked out of control and not yet cleared, with the rules of their
    latest signal and the machine and line of the reading; ``line_id``: those read on
    that line (and those read on no line). What the terminal and the page poll."""
    visible = service.visible_lines(db, _areas(principal))
    out = []
    for c in repository.out_of_control(db, utcnow()):
        if line_id is not None and c.line_id not in (None, line_id):
            continue
        if visible is not None and c.line_id is not None and c.line_id not in visible:
            continue
        out.append(
            {
                "characteristic_id": c.characteristic_id,
                "name": c.name,
                "since": c.since,
                "rules": list(c.rules),
                "machine_id": c.machine_id,
                "line_id": c.line_id,
            }
        )
    return out


@quality.get("/quality/samples", response_model=list[QualitySampleDueOut])
def samples_due(
    line_id: int | None = None,
    overdue: bool = Query(False, description="only samples the line has already gone past"),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> list[dict[str, object]]:
    """The samples the inspection plans ask for at the running and held operations and
    that are not recorded yet (per characteristic), on the caller's lines."""
    visible = service.visible_lines(db, _areas(principal))
    lines: list[int] | None = visible
    if line_id is not None:
        lines = [line_id] if visible is None or line_id in visible else []
    out = []
    for op in sampling.open_operations(db, lines):
        for s in sampling.samples_of_operation(db, op):
            if s.pending and (s.overdue or not overdue):
                out.append(sampling.shape(s))
    return out


@quality.post(
    "/quality/characteristics/{characteristic_id}/freeze-limits",
    response_model=QualityCharacteristicOut,
)
def freeze_limits(
    characteristic_id: int,
    principal: Principal = Depends(require(PLANS)),
    db: Session = Depends(get_db),
) -> Characteristic:
    """Keep the centre and sigma of the latest readings as the chart's limits (phase II);
    clear them with a PATCH of ``center`` and ``sigma`` as null to return to phase I."""
    char = service.freeze_limits(db, characteristic_id)
    db.flush()
    return char


@quality.post(
    "/quality/nonconformances",
    response_model=QualityNonconformanceOut,
    status_code=status.HTTP_201_CREATED,
)
def create_nonconformance(
    body: QualityNonconformanceIn,
    principal: Principal = Depends(require(RECORD)),
    db: Session = Depends(get_db),
) -> Any:
    """Open a nonconformance; with ``hold`` its lot or serial range is blocked until it is
    dispositioned."""
    ncr = service.create_nonconformance(db, body.model_dump())
    db.flush()
    return ncr


@quality.get("/quality/nonconformances", response_model=QualityNonconformancePage)
def list_nonconformances(
    status_: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    items, total = service.list_nonconformances(db, status=status_, limit=limit, offset=offset)
    return {"items": items, "total": total}


@quality.post(
    "/quality/nonconformances/{ncr_id}/disposition", response_model=QualityNonconformanceOut
)
def dispose_nonconformance(
    ncr_id: int,
    body: QualityDispositionIn,
    principal: Principal = Depends(require(DISPOSE)),
    db: Session = Depends(get_db),
) -> Any:
    """Decide: scrap, rework, use as is or return to supplier; closes the record and (by
    default) lifts its hold. 409 on a stale ``version`` or a closed record."""
    ncr = service.dispose(
        db,
        ncr_id,
        disposition=body.disposition,
        note=body.note,
        version=body.version,
        release_hold=body.release_hold,
        actor=principal.actor,
    )
    db.flush()
    return ncr


@quality.get("/quality/holds", response_model=QualityHoldOut)
def check_hold(
    serial: Annotated[str | None, Query(max_length=80)] = None,
    lot: Annotated[str | None, Query(max_length=80)] = None,
    product_id: int | None = None,
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Whether a serial or a lot is on hold, and by which nonconformances."""
    if serial is None and lot is None:
        raise ValidationProblem(
            "name a serial or a lot", errors=[FieldError("serial", "or lot is required")]
        )
    ids = service.holds_on(db, serial=serial, lot=lot, product_id=product_id)
    return {"held": bool(ids), "nonconformance_ids": ids}


@quality.get("/quality/figures", response_model=QualityFiguresOut)
def quality_figures(
    start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    product_id: int | None = None,
    line_id: int | None = None,
    area_id: int | None = None,
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """First pass yield (per step, per machine, per area and overall), rolled throughput
    yield, scrap and rework ratios, DPMO; default window: the last 7 days. With
    ``line_id`` (``area_id``): the results recorded on that line (the area's lines), with
    no scrap or rework ratio (a nonconformance names no line)."""
    s, e = _window(start, end)
    return service.figures(
        db, s, e, product_id=product_id, line_id=line_id, area_id=area_id,
        line_ids=service.visible_lines(db, _areas(principal)),
    )  # fmt: skip


@quality.get("/quality/pareto", response_model=QualityParetoOut)
def quality_pareto(
    by: Literal["code", "ref", "machine", "line", "shift", "lot"] = "code",
    start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    product_id: int | None = None,
    line_id: int | None = None,
    principal: Principal = Depends(require(READ)),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Defects counted by code, reference designator, machine, line, shift or lot; with
    ``line_id``, of the results recorded on that line."""
    s, e = _window(start, end)
    return service.pareto(
        db, s, e, by, product_id=product_id, line_id=line_id,
        line_ids=service.visible_lines(db, _areas(principal)),
    )  # fmt: skip


router.include_router(quality)
