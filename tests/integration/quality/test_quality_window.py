"""A completing attribute verdict is evaluated over the window's sums and its last 15
samples, not over all of its samples: the points, limits, zones and rules at the newest
sample must be those of the chart over the whole window, on SQLite and PostgreSQL, for
p, np and u charts, phase I and II, serials and count results, late verdicts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from linewise.domains.quality import service
from linewise.domains.quality.models import Characteristic, InspectionPlan
from linewise.spc import ChartPoint, Rule, evaluate_rules
from tests.conftest import World

ALL_RULES = [r.value for r in Rule]


def _fired(points: Sequence[ChartPoint], at: int) -> list[str]:
    return sorted({v.rule.value for v in evaluate_rules(points, list(Rule)) if v.index == at})


def test_latest_samples_evaluate_as_the_whole_window(db: Session, world: World) -> None:
    plan = InspectionPlan(product_id=world.product_id, step_seq=2, name="window")
    db.add(plan)
    db.flush()
    chars = [
        Characteristic(
            plan_id=plan.id, name=f"{kind}{n}{'f' if frozen else ''}", kind="attribute",
            chart=kind, subgroup_size=n, rules=ALL_RULES, center=0.08 if frozen else None,
        )
        for kind in ("p", "np", "u")
        for n in (1, 4)
        for frozen in (False, True)
    ]  # fmt: skip
    db.add_all(chars)
    db.commit()
    rng = random.Random(11)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    compared = fired = 0
    for i in range(260):
        counts = i < 80 and rng.random() < 0.3  # count results first, then serials only
        qty = rng.randint(2, 9) if counts else 1
        late = rng.random() < 0.03
        bad = 0.35 if (i // 40) % 3 == 2 else 0.08  # drifts that break rules
        data = service.InspectionData(
            product_id=world.product_id,
            step_seq=2,
            plan_id=plan.id,
            serial=None if counts else f"W{i}",
            quantity=qty,
            passed_quantity=rng.randint(0, qty) if counts else None,
            inspected_at=t0 + timedelta(seconds=10 * i - (rng.randint(60, 900) if late else 0)),
            measurements=tuple(
                service.MeasurementData(c.id, None, rng.random() > bad) for c in chars
            ),
            defects=tuple(
                service.DefectData("BRIDGE", None, rng.randint(1, 3))
                for _ in range(rng.choice([0, 0, 1, 2]))
            ),
        )
        recorded = service.record_inspection(db, data, actor="test")
        for m in recorded.measurements:
            char = db.get(Characteristic, m.characteristic_id)
            assert char is not None
            total = service._verdicts(db, char)
            if total % char.subgroup_size:
                continue
            whole = service.attribute_samples(db, char, total=total)
            if not whole or whole[-1].last_id != m.id:
                continue  # a late verdict: not evaluated
            full, _ = service.build_attribute_chart(char, whole)
            tail = service.attribute_samples(db, char, service.RULE_LOOKBACK, total=total)
            latest = service._chart_of_latest(db, char, tail, total)
            assert (full is None) == (latest is None), char.name
            if full is None or latest is None:
                continue
            assert len(latest.points) == min(len(full.points), service.RULE_LOOKBACK)
            for a, b in zip(full.points[-len(latest.points) :], latest.points, strict=True):
                assert (a.value, a.center, a.ucl, a.lcl, a.sigma) == (
                    b.value, b.center, b.ucl, b.lcl, b.sigma,
                )  # fmt: skip
            expected = _fired(full.points, len(full.points) - 1)
            assert _fired(latest.points, len(latest.points) - 1) == expected
            compared += 1
            fired += bool(expected)
        db.commit()
    # enough completing samples, some of them out of control, on every kind of chart
    assert compared > 400 and fired > 20
