"""Every test here may create the effects table; none leaves it behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.integration.jobs.effects import drop_effects_table


@pytest.fixture(autouse=True)
def _no_effects_table_left(engine: Engine) -> Iterator[None]:
    yield
    drop_effects_table(engine)
