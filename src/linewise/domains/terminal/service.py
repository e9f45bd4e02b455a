"""Rules of the operator terminal: badge sign-in, idempotent actions, andon calls.

Quantities still change only through the production service and its progress rule;
this module adds what a shared, sometimes offline tablet needs around it: a request
sent twice under the same key is answered from the first time instead of counted twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.core import events
from linewise.core.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationProblem
from linewise.core.security import (
    Role,
    burn_password_check,
    hash_password,
    new_token,
    verify_password,
)
from linewise.core.time import utcnow
from linewise.domains.accounts.models import User
from linewise.domains.documents import service as documents
from linewise.domains.documents.models import StepDocument
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.people.models import Operator
from linewise.domains.planning import repository as planning
from linewise.domains.production import service as production
from linewise.domains.production.models import OrderOperation
from linewise.domains.quality import repository as quality
from linewise.domains.quality import sampling
from linewise.domains.quality.models import ReasonCode
from linewise.domains.terminal import repository as repo
from linewise.domains.terminal.events import AndonChanged
from linewise.domains.terminal.models import AndonCall, TerminalAction

PIN = re.compile(r"^\d{4,8}$")


# --- badge and PIN ------------------------------------------------------------------


def set_badge(db: Session, operator: Operator, badge: str, pin: str) -> None:
    """Give ``operator`` a badge and PIN; link a user account to sign in as.

    An operator without an account gets one with the operator role and the operator's
    areas (its password is random and never used: it signs in by badge only).
    """
    if not PIN.match(pin):
        raise ValidationProblem("a PIN is 4 to 8 digits", errors=[FieldError("pin", "4-8 digits")])
    other = repo.operator_by_badge(db, badge)
    if other is not None and other.id != operator.id:
        raise Conflict(
            f"badge {badge} belongs to operator {other.code}",
            errors=[FieldError("badge", "taken")],
        )
    operator.badge = badge
    operator.pin_hash = hash_password(pin)
    if operator.user_id is None:
        user = User(
            username=f"badge-{operator.code}"[:80],
            full_name=operator.name,
            password_hash=hash_password(new_token()),
            role=Role.OPERATOR,
        )
        user.areas = list(operator.areas)
        db.add(user)
        db.flush()
        operator.user_id = user.id
    operator.updated_at = utcnow()


def authenticate_badge(db: Session, badge: str, pin: str) -> tuple[Operator, User]:
    operator = repo.operator_by_badge(db, badge)
    if operator is None or operator.pin_hash is None:
        burn_password_check(pin)  # unknown badges take as long as known ones
        raise Unauthorized("wrong badge or PIN")
    if not verify_password(operator.pin_hash, pin) or not operator.active:
        raise Unauthorized("wrong badge or PIN")
    user = db.get(User, operator.user_id) if operator.user_id is not None else None
    if user is None or not user.active:
        raise Unauthorized("this badge has no active account; ask your supervisor")
    return operator, user


# --- idempotency --------------------------------------------------------------------


def fingerprint(kind: str, operation_id: int, payload: dict[str, Any]) -> str:
    text = json.dumps([kind, operation_id, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def replay(db: Session, key: str, print_: str) -> dict[str, Any] | None:
    """The first answer given under ``key``, or None when the key is new."""
    done = repo.action_by_key(db, key)
    if done is None:
        return None
    if done.fingerprint != print_:
        raise ValidationProblem(
            "this idempotency key was used for another request",
            errors=[FieldError("Idempotency-Key", "reused for a different request")],
        )
    return dict(done.answer)


def remember(
    db: Session,
    key: str,
    print_: str,
    kind: str,
    op: OrderOperation,
    answer: dict[str, Any],
    *,
    good: int = 0,
    scrap: int = 0,
    rework: int = 0,
    reason_code_id: int | None = None,
) -> None:
    db.add(
        TerminalAction(
            key=key,
            fingerprint=print_,
            kind=kind,
            operation_id=op.id,
            good=good,
            scrap=scrap,
            rework=rework,
            reason_code_id=reason_code_id,
            actor=str(db.info.get("actor", "")),
            answer=answer,
        )
    )


def check_reason(db: Session, reason_code_id: int | None, category: str, field: str) -> None:
    """A reason is required for scrap, rework and a pause, and must be of that kind."""
    if reason_code_id is None:
        raise ValidationProblem(
            f"choose a {category} reason", errors=[FieldError(field, "required")]
        )
    reason = db.get(ReasonCode, reason_code_id)
    if reason is None or reason.category != category:
        raise ValidationProblem(
            f"reason {reason_code_id} is not a {category} reason",
            errors=[FieldError(field, f"not a {category} reason")],
        )


# --- a line's work ------------------------------------------------------------------


def _samples(db: Session, op: OrderOperation) -> list[dict[str, object]]:
    """The samples due at a running or held stage (a pending one has reported nothing)."""
    if op.status not in ("in_progress", "on_hold"):
        return []
    return [sampling.shape(s) for s in sampling.samples_of_operation(db, op) if s.pending]


def _stage_out(
    op: OrderOperation,
    planned_start: datetime | None,
    docs: dict[int, list[StepDocument]] | None = None,
    samples: list[dict[str, object]] | None = None,
) -> dict[str, Any]:
    order = op.order
    product = order.product
    return {
        "operation_id": op.id,
        "order_id": order.id,
        "order_number": order.number,
        "order_status": order.status,
        "product_code": product.code,
        "product_name": product.name,
        "seq": op.seq,
        "name": op.name,
        "status": op.status,
        "quantity": op.quantity,
        "good": op.good_qty,
        "scrap": op.scrap_qty,
        "rework": op.rework_qty,
        "line_id": op.line_id,
        "planned_start": planned_start,
        "version": op.version,
        "materials": [
            {
                "code": b.material.code,
                "name": b.material.name,
                "unit": b.material.unit,
                "per_unit": b.quantity_per_unit,
                "needed": b.quantity_per_unit * max(0, op.quantity - op.good_qty),
            }
            for b in product.bom
        ],
        # The routing step's work instructions (files attached in the routing editor).
        "documents": [documents.as_dict(d) for d in (docs or {}).get(op.step_id or 0, [])],
        "samples": samples or [],
    }


def line_work(db: Session, line: Line, limit: int = 10) -> dict[str, Any]:
    """The line's running and held stages first, then the published plan's next ones."""
    now = utcnow()
    planned: dict[int, datetime] = {}
    plan = planning.published_plan(db)
    if plan is not None:
        for row, _status in planning.next_on_line(db, plan.id, line.id, now, limit):
            if row.operation_id is not None:
                planned.setdefault(row.operation_id, row.start)
    on_line = repo.open_stages_on_line(db, line.id)
    ops = repo.operations_by_id(db, list(planned) + on_line)
    docs = documents.of_steps(db, sorted({op.step_id for op in ops.values() if op.step_id}))
    items = []
    for op in ops.values():
        if op.order.status not in repo.WORKABLE_ORDERS or op.status not in repo.OPEN_STAGES:
            continue
        items.append(_stage_out(op, planned.get(op.id), docs, _samples(db, op)))
    # Running first, then held, then by planned start (unplanned ones last).
    rank = {"in_progress": 0, "on_hold": 1, "pending": 2}
    far = datetime.max.replace(tzinfo=now.tzinfo)
    items.sort(key=lambda i: (rank.get(i["status"], 3), i["planned_start"] or far, i["seq"]))
    return {
        "line_id": line.id,
        "line_code": line.code,
        "line_name": line.name,
        "area_id": line.area_id,
        "plan_id": plan.id if plan else None,
        "operations": items[:limit],
    }


def stage_answer(db: Session, op_id: int) -> dict[str, Any]:
    op = repo.operations_by_id(db, [op_id]).get(op_id)
    if op is None:
        raise NotFound(f"no operation {op_id}")
    docs = documents.of_steps(db, [op.step_id] if op.step_id else [])
    return _stage_out(op, None, docs, _samples(db, op))


def operation(db: Session, op_id: int) -> OrderOperation:
    op = db.get(OrderOperation, op_id)
    if op is None:
        raise NotFound(f"no operation {op_id}")
    return op


def act(
    db: Session, op: OrderOperation, action: str, line_id: int | None, may_touch: object
) -> None:
    production.act_on_operation(db, op.order, op, action, line_id, may_touch)


def report(
    db: Session,
    op: OrderOperation,
    good: int,
    scrap: int,
    rework: int,
    *,
    lot: str | None = None,
    serial: str | None = None,
) -> None:
    """Add the quantities; a lot or unit held by an open nonconformance of the order's
    product is refused (409 naming ``lot`` or ``serial``): it is dispositioned on its
    nonconformance, not reported good or scrap here."""
    quality.refuse_held_units(db, product_id=op.order.product_id, lot=lot, serial=serial)
    production.report_quantities(db, op, good, scrap, rework)


# --- andon ----------------------------------------------------------------------------


def raise_andon(
    db: Session,
    *,
    kind: str,
    line: Line,
    machine_id: int | None,
    operation_id: int | None,
    note: str,
    key: str | None,
    user_id: int | None = None,
) -> AndonCall:
    if machine_id is not None:
        machine = db.get(Machine, machine_id)
        if machine is None or machine.line_id != line.id:
            raise ValidationProblem(
                f"machine {machine_id} is not on line {line.code}",
                errors=[FieldError("machine_id", "not on this line")],
            )
    if operation_id is not None and db.get(OrderOperation, operation_id) is None:
        raise ValidationProblem(
            f"no operation {operation_id}", errors=[FieldError("operation_id", "does not exist")]
        )
    call = AndonCall(
        key=key,
        kind=kind,
        line_id=line.id,
        machine_id=machine_id,
        operation_id=operation_id,
        note=note,
        raised_by=_display_name(db, user_id),
        raised_at=utcnow(),
    )
    db.add(call)
    db.flush()
    events.record(db, AndonChanged(call.id, line.id, line.area_id, kind, False))
    return call


def _display_name(db: Session, user_id: int | None) -> str:
    """A person's name as the floor knows them (an operator's badge account carries the
    operator's name), else the actor of the request."""
    user = db.get(User, user_id) if user_id is not None else None
    if user is not None and user.full_name:
        return user.full_name[:120]
    return str(db.info.get("actor", ""))[:120]


def acknowledge(db: Session, call: AndonCall, line: Line, user_id: int | None = None) -> None:
    if call.acknowledged_at is not None:
        return  # a second tap (or a replay) changes nothing
    call.acknowledged_at = utcnow()
    call.acknowledged_by = _display_name(db, user_id)
    events.record(db, AndonChanged(call.id, line.id, line.area_id, call.kind, True))


def andon_out(db: Session, call: AndonCall, line: Line) -> dict[str, Any]:
    machine = db.get(Machine, call.machine_id) if call.machine_id is not None else None
    return {
        "id": call.id,
        "kind": call.kind,
        "line_id": line.id,
        "line_code": line.code,
        "line_name": line.name,
        "machine_id": call.machine_id,
        "machine_name": machine.name if machine else None,
        "operation_id": call.operation_id,
        "note": call.note,
        "raised_by": call.raised_by,
        "raised_at": call.raised_at,
        "acknowledged_by": call.acknowledged_by,
        "acknowledged_at": call.acknowledged_at,
    }


# "Who is on it": people who acted on the operation at a terminal within this window.
RECENT_HOURS = 12


def people_on(db: Session, op: OrderOperation) -> dict[str, Any]:
    since = utcnow() - timedelta(hours=RECENT_HOURS)
    return {
        "operation_id": op.id,
        "people": [
            {"name": name, "last_action_at": last}
            for name, last in repo.people_on_operation(db, op.id, since)
        ],
    }
