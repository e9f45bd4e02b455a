"""Storage rules: migrations match the models; UTC in, UTC out; naive datetimes refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from linewise.core.db import Base
from linewise.core.time import NaiveDatetimeError
from linewise.domains.production.models import ProductionOrder
from tests.conftest import World


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_naive_datetime_is_refused(db: Session, world: World) -> None:
    order = ProductionOrder(
        number="N1", product_id=world.product_id, quantity=1, due_date=datetime(2030, 1, 1)
    )
    db.add(order)
    with pytest.raises(StatementError) as info:
        db.flush()
    assert isinstance(info.value.orig, NaiveDatetimeError)


def test_aware_datetimes_come_back_as_utc(db: Session, world: World) -> None:
    local = datetime(2030, 3, 31, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    db.add(ProductionOrder(number="N2", product_id=world.product_id, quantity=1, due_date=local))
    db.commit()
    db.expire_all()
    got = db.query(ProductionOrder).filter_by(number="N2").one().due_date
    assert got == local
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got == datetime(2030, 3, 31, 6, 0, tzinfo=UTC)
