"""`linewise demo` forecasts deliveries with its simulated floor's own dispatch rule,
unless the site's setting says otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from linewise.cli.demo import dispatch_like_the_simulated_floor
from linewise.config import get_settings
from linewise.domains.delivery.service import dispatching
from linewise.simulation.model import SimParams


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("LINEWISE_DELIVERY_DISPATCH", raising=False)
    monkeypatch.delenv("LINEWISE_DELIVERY_FAMILY_PREFERENCE_H", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()  # the environment first, then settings read from it again
    get_settings.cache_clear()


def test_the_demo_dispatches_by_due_date_with_the_simulators_family_preference(
    clean_settings: pytest.MonkeyPatch,
) -> None:
    assert dispatching().rule == "plan"  # a site's default
    dispatch_like_the_simulated_floor()
    how = dispatching()
    assert (how.rule, how.family_preference_h) == ("due_date", SimParams().family_preference_h)


def test_an_explicit_setting_wins_in_the_demo(clean_settings: pytest.MonkeyPatch) -> None:
    clean_settings.setenv("LINEWISE_DELIVERY_DISPATCH", "plan")
    dispatch_like_the_simulated_floor()
    assert dispatching().rule == "plan"
