"""`make demo` on a Sunday night: a plant at work, with days of history behind it.

Tried on a Sunday night, the demo showed every machine in "planned stop" and a week's
OEE computed from Friday's late shift alone. The demo factory now works around the
clock and its past is simulated through the real ingest path before it serves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.core.db import make_session_factory
from linewise.demo.factory import build_factory
from linewise.demo.history import backfill_history
from linewise.demo.load import load_factory
from linewise.domains.equipment.models import Machine, Site
from linewise.domains.inventory.models import Material, MovementKind, StockItem, StockMovement
from linewise.domains.performance.service import resolve_scope, trend_of
from linewise.domains.performance.windows import resolve_window
from linewise.domains.production.models import OrderStatus, ProductionOrder
from linewise.ingest.models import CountEvent, QuarantinedEvent, StateEvent
from linewise.kpi.aggregate import BucketSize
from linewise.kpi.formulas import Convention

SUNDAY_NIGHT = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)  # Sunday 23:00 in Berlin
DAYS = 3  # `linewise demo` simulates 28; three keep the test short


def test_a_sunday_night_demo_is_at_work_with_a_kpi_history(engine: Engine, db: Session) -> None:
    spec = build_factory(SUNDAY_NIGHT, around_the_clock=True, history_days=DAYS)
    load_factory(db, spec, with_users=False)
    db.commit()
    progress: list[float] = []
    report = backfill_history(
        engine,
        make_session_factory(engine),
        spec,
        days=DAYS,
        on_progress=lambda done, _events: progress.append(done),
    )
    assert report.rejected == 0 and report.events > 0
    assert progress == sorted(progress) and progress[-1] == 1.0
    db.rollback()
    assert db.scalar(select(func.count()).select_from(QuarantinedEvent)) == 0
    assert db.scalar(select(func.count()).select_from(CountEvent)) > 0

    # At Sunday 23:00 the night shift works: no machine is in a planned stop (an idle
    # line waits for work, which the live feed brings), and Sunday was produced on.
    last: dict[int, str] = {}
    for machine_id, state in db.execute(
        select(StateEvent.machine_id, StateEvent.state).order_by(StateEvent.ts)
    ):
        last[machine_id] = state
    assert len(last) == sum(len(line.machines) for line in spec.lines)
    assert "planned_stop" not in last.values(), last
    sunday = SUNDAY_NIGHT - timedelta(hours=23)  # Sunday 00:00 in Berlin
    produced_on = set(
        db.scalars(
            select(Machine.line_id)
            .join(CountEvent, CountEvent.machine_id == Machine.id)
            .where(CountEvent.ts >= sunday, CountEvent.good > 0)
            .distinct()
        )
    )
    assert len(produced_on) >= 3, produced_on

    # Every day of the history has KPIs, the weekend included.
    site_id = db.scalar(select(Site.id))
    assert site_id is not None
    scope = resolve_scope(db, "site", site_id, None)
    window = resolve_window(
        scope.calendars.site,
        SUNDAY_NIGHT,
        start=SUNDAY_NIGHT - timedelta(days=DAYS),
        end=SUNDAY_NIGHT,
    )
    trend = trend_of(db, scope, window, BucketSize.DAY, Convention.ISO_22400, SUNDAY_NIGHT)
    days = {b["label"]: b for b in trend["buckets"] if b["counts"]["PQ"] > 0}
    assert {"2026-12-04", "2026-12-05", "2026-12-06"} <= set(days), list(days)
    for label, bucket in days.items():
        oee = bucket["kpis"]["oee"]
        assert oee is not None and 0.0 < oee < 1.0, (label, oee)

    # The past orders were produced: most are completed, on the day their last stage was.
    statuses = dict(
        db.execute(
            select(ProductionOrder.status, func.count())
            .where(ProductionOrder.number.in_([o.number for o in spec.history]))
            .group_by(ProductionOrder.status)
        ).all()
    )
    assert statuses.get(OrderStatus.COMPLETED, 0) >= len(spec.history) // 2, statuses
    assert report.orders_completed == statuses[OrderStatus.COMPLETED]
    assert report.rollup_days > 0

    # What the history's counts consumed arrived as weekly supplier deliveries: the store
    # never ran below zero in the past, and it ends where the factory's spec puts it.
    assert report.deliveries > 0
    moves = db.execute(
        select(Material.code, StockMovement.kind, StockMovement.qty, StockMovement.at)
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .join(Material, Material.id == StockItem.material_id)
        .order_by(StockMovement.at, StockMovement.id)
    ).all()
    assert any(kind == MovementKind.BACKFLUSH for _c, kind, _q, _a in moves)
    balance: dict[str, float] = defaultdict(float)
    for code, kind, qty, at in moves:
        inbound = kind in (MovementKind.RECEIPT, MovementKind.OPENING)
        balance[code] += qty if inbound else -qty
        assert balance[code] > -1e-6, (code, kind, qty, at, balance[code])
    for code, qty in spec.stock.items():
        assert abs(balance[code] - qty) < 1e-6, (code, balance[code], qty)
