"""The demo factory loads completely, consistently and only into an empty database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.audit import verify
from linewise.core.errors import Conflict
from linewise.demo.factory import build_factory
from linewise.demo.load import load_factory
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.planning.builder import build_problem
from linewise.domains.production.models import OrderOperation, ProductionOrder

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_build_is_deterministic_and_scales() -> None:
    a, b = build_factory(NOW), build_factory(NOW)
    assert a == b
    assert [line.code for line in a.lines] == ["SMT-1", "SMT-2", "DIP-1", "TEST-1", "PACK-1"]
    big = build_factory(NOW, line_groups=6, orders=2000)
    assert len(big.lines) == 30 and len(big.orders) == 2000
    # Every product step can run on every line of its type in the scaled factory.
    smt_step = big.products[0].steps[0]
    assert len(smt_step.cycle_time_s) == 12


def test_orders_fall_due_over_the_next_two_weeks() -> None:
    spec = build_factory(NOW)
    dues = [o.due for o in spec.orders]
    assert len(dues) == 40
    assert min(dues) > NOW and (max(dues) - NOW).days <= 14
    assert all(o.release <= o.due for o in spec.orders)


def test_load_into_database(db: Session) -> None:
    report = load_factory(db, build_factory(NOW), with_users=False)
    db.commit()
    assert (report.lines, report.machines, report.orders) == (5, 17, 40)
    assert db.scalar(select(func.count()).select_from(Machine)) == 17
    smt1 = db.scalar(select(Line).where(Line.code == "SMT-1"))
    assert smt1 is not None
    assert [m.kind for m in smt1.machines] == ["printer", "spi", "pnp", "pnp", "reflow", "aoi"]
    running = db.scalars(select(ProductionOrder).where(ProductionOrder.status == "in_progress"))
    busy_lines: list[int | None] = []
    for order in running:
        statuses = [op.status for op in order.operations]
        # Completed stages come first, then at most one running stage (none when every
        # line of the next stage is busy: the order waits between stages).
        assert statuses.count("in_progress") <= 1
        done = statuses.count("completed")
        assert done >= 1 and set(statuses[:done]) == {"completed"}
        busy_lines += [op.line_id for op in order.operations if op.status == "in_progress"]
    assert busy_lines, "some work is running on the floor"
    assert len(busy_lines) == len(set(busy_lines)), "a line runs one order at a time"
    unlinked = db.scalar(
        select(func.count()).select_from(OrderOperation).where(OrderOperation.step_id.is_(None))
    )
    assert unlinked == 0
    assert verify(db).ok
    with pytest.raises(Conflict):
        load_factory(db, build_factory(NOW), with_users=False)


def test_demo_history_lies_in_the_past_and_agrees_with_its_quantities(db: Session) -> None:
    """Stage times used to count forward from the release date, which can lie ahead:
    at 02:10 a stage read "Completed 6 Dec 18:00"."""
    load_factory(db, build_factory(NOW), with_users=False)
    db.commit()
    ops = db.scalars(select(OrderOperation)).all()
    worked = [op for op in ops if op.status != "pending"]
    assert worked
    for op in ops:
        stamps = [t for t in (op.started_at, op.completed_at) if t is not None]
        assert all(t <= NOW for t in stamps), (op.order.number, op.seq, stamps)
        if op.status == "pending":
            assert op.good_qty == op.scrap_qty == 0 and not stamps
        else:
            assert op.started_at is not None and op.line_id is not None
        if op.status == "completed":
            assert op.started_at is not None and op.completed_at is not None
            assert op.started_at < op.completed_at
    for order in {op.order for op in worked}:
        done = [op for op in order.operations if op.status != "pending"]
        for earlier, later in pairwise(done):
            assert earlier.completed_at is not None and later.started_at is not None
            assert earlier.completed_at <= later.started_at


def test_demo_orders_wait_for_deliveries_and_one_is_short(db: Session) -> None:
    spec = build_factory(NOW)
    assert spec.stock and spec.receipts
    load_factory(db, spec, with_users=False)
    db.commit()
    problem = build_problem(db, NOW, timedelta(days=14))
    short = [w for w in problem.warnings if "short of" in w]
    assert len(short) == 1 and "IC-PMIC" in short[0], problem.warnings
    waiting = {k: w for k, w in problem.materials.items() if w.until is not None}
    assert len(waiting) >= 3
    assert {w.code for w in waiting.values()} == {"IC-PMIC", "XFMR"}
    assert all(w.until > NOW for w in waiting.values())
    assert not [w for w in problem.warnings if "not checked" in w]
