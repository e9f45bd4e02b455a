"""Explicit state machines for production orders and their operations."""

from __future__ import annotations

from linewise.core.errors import FieldError, InvalidTransition
from linewise.domains.production.models import OperationStatus as Op
from linewise.domains.production.models import OrderStatus as St

ORDER_TRANSITIONS: dict[St, frozenset[St]] = {
    St.PLANNED: frozenset({St.RELEASED, St.CANCELLED}),
    St.RELEASED: frozenset({St.IN_PROGRESS, St.CANCELLED}),
    St.IN_PROGRESS: frozenset({St.ON_HOLD, St.COMPLETED, St.CANCELLED}),
    St.ON_HOLD: frozenset({St.IN_PROGRESS, St.CANCELLED}),
    St.COMPLETED: frozenset(),
    St.CANCELLED: frozenset(),
}
TERMINAL = frozenset({St.COMPLETED, St.CANCELLED})

OPERATION_TRANSITIONS: dict[Op, frozenset[Op]] = {
    Op.PENDING: frozenset({Op.IN_PROGRESS, Op.CANCELLED}),
    Op.IN_PROGRESS: frozenset({Op.ON_HOLD, Op.COMPLETED, Op.CANCELLED}),
    Op.ON_HOLD: frozenset({Op.IN_PROGRESS, Op.CANCELLED}),
    Op.COMPLETED: frozenset(),
    Op.CANCELLED: frozenset(),
}


def check_order_transition(current: str, target: St) -> None:
    allowed = ORDER_TRANSITIONS[St(current)]
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none (final state)"
        raise InvalidTransition(
            f"an order in status '{current}' cannot go to '{target}'; allowed: {options}",
            errors=[FieldError("to", f"not allowed from '{current}'")],
            allowed=sorted(allowed),
        )


def check_operation_transition(current: str, target: Op) -> None:
    allowed = OPERATION_TRANSITIONS[Op(current)]
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none (final state)"
        raise InvalidTransition(
            f"an operation in status '{current}' cannot go to '{target}'; allowed: {options}",
            errors=[FieldError("action", f"not allowed from '{current}'")],
            allowed=sorted(allowed),
        )
