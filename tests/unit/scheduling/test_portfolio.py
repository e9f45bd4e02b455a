"""The dispatching portfolio: what it runs, and that it keeps the best plan it saw."""

from __future__ import annotations

from dataclasses import replace

from linewise.scheduling.dispatch import (
    PORTFOLIO,
    Heuristic,
    best_dispatch,
    dispatch,
    portfolio_for,
)
from linewise.scheduling.model import ObjectiveConfig
from linewise.scheduling.objective import evaluate
from linewise.scheduling.validate import validate
from tests.unit.scheduling.test_decompose import factory


def test_portfolio_drops_parameters_that_cannot_matter() -> None:
    inst = factory(orders=20, lines=8)
    assert portfolio_for(inst) == PORTFOLIO
    no_due = replace(inst, jobs=tuple(replace(j, due=None) for j in inst.jobs))
    no_setups = replace(
        no_due, resources=tuple(replace(r, default_changeover=0) for r in inst.resources)
    )
    # Without due dates only k2 still differs between ATCS entries; without setups
    # either, one ATCS entry is left next to EDD and MWKR.
    with_k2 = {h.k2 for h in PORTFOLIO if h.rule == "atcs"}
    assert len([h for h in portfolio_for(no_due) if h.rule == "atcs"]) == len(with_k2)
    assert [h.rule for h in portfolio_for(no_setups)] == ["atcs", "edd", "mwkr"]


def test_best_dispatch_is_no_worse_than_any_member_and_valid() -> None:
    config = ObjectiveConfig()
    for seed in (1, 2, 3):
        inst = factory(orders=80, lines=8, seed=seed)
        plan, chosen = best_dispatch(inst, config)
        assert validate(inst, plan) == []
        best = evaluate(inst, plan, config).key(config)
        keys = [evaluate(inst, dispatch(inst, h), config).key(config) for h in PORTFOLIO]
        assert best == min(keys)
        assert evaluate(inst, dispatch(inst, chosen), config).key(config) == best


def test_atcs_parameters_change_the_plan() -> None:
    # The grid only earns its time if the parameters steer the rule: strong setup
    # avoidance (small k2) must need fewer changeovers than weak (large k2).
    config = ObjectiveConfig()
    inst = factory(orders=120, lines=8, seed=4)
    strong = evaluate(inst, dispatch(inst, Heuristic("atcs", 8.0, 0.005)), config)
    weak = evaluate(inst, dispatch(inst, Heuristic("atcs", 8.0, 50.0)), config)
    assert strong.changeovers < weak.changeovers
