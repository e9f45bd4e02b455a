"""Scrap/rework rates with shrinkage, the product-mean baseline, counts kept while an
order runs, and the cost of scrapped units."""

from __future__ import annotations

from linewise.analytics.costing import CostRates, StageWork, order_cost
from linewise.analytics.yields import (
    ProductMean,
    StageYield,
    YieldModel,
    YieldSample,
    predict,
    predict_mean,
)


def samples(product: str, line: str, n: int, units: int, scrap: int) -> list[YieldSample]:
    return [YieldSample(f"{product}-{i}", product, line, units, scrap, 0) for i in range(n)]


def test_a_cell_with_few_units_leans_on_the_product_and_a_big_one_on_itself() -> None:
    data = samples("A", "L1", 50, 1000, 10) + samples("A", "L2", 1, 100, 20)
    model = YieldModel.learn(data, prior_units=2000)
    big = model.rates("A", "L1").scrap
    small = model.rates("A", "L2").scrap
    assert abs(big - 0.01) < 0.002  # 50,000 units: its own 1 %
    product = (50 * 10 + 20) / (50 * 1000 + 100)
    # 100 units at 20 % against 2,000 pseudo-units of the product's ~1 %
    assert product < small < 0.2
    # more units in the cell: closer to its own 20 %
    more = YieldModel.learn(data + samples("A", "L2", 20, 100, 20), prior_units=2000)
    assert small < more.rates("A", "L2").scrap < 0.2
    # a product never seen: its line's rate, then the overall one
    assert model.rates("Z", "L1").scrap > 0
    assert YieldModel.from_json(model.to_json()).rates("A", "L2") == model.rates("A", "L2")


def test_counts_so_far_are_kept_and_only_the_rest_is_predicted() -> None:
    model = YieldModel.learn(samples("A", "L1", 10, 1000, 50))  # 5 %
    rate = model.rates("A", "L1").scrap
    before = predict("A", 100, [StageYield("L1", None), StageYield("L1", None)], model)
    # stage 2 takes what stage 1 delivers good
    assert abs(before.stage_units[1] - (100 - 100 * rate)) < 1e-9
    running = predict("A", 100, [StageYield("L1", 100.0, done=60, scrap=9),
                                 StageYield("L1", 100.0)], model)  # fmt: skip
    assert abs(running.stage_scrap[0] - (9 + 40 * rate)) < 1e-9
    finished = predict("A", 100, [StageYield("L1", 100.0, 100, 12, 3, finished=True)], model)
    assert finished.scrap == 12 and finished.rework == 3


def test_product_mean_is_per_order_share_of_quantity() -> None:
    data = [YieldSample("o1", "A", "L1", 100, 2, 1), YieldSample("o1", "A", "L2", 98, 2, 0),
            YieldSample("o2", "A", "L1", 200, 0, 0)]  # fmt: skip
    mean = ProductMean.learn(data, {"o1": 100, "o2": 200})
    assert mean.rates("A").scrap == (4 / 100 + 0) / 2
    assert mean.rates("other") == mean.overall
    scrap, _ = predict_mean("A", 100, [StageYield("L1", 100.0)], mean)
    assert scrap == 2.0
    half, _ = predict_mean("A", 100, [StageYield("L1", 100.0, done=50, scrap=3)], mean)
    assert half == 3 + 0.5 * 2.0


def test_scrapped_units_cost_their_material_and_the_work_up_to_their_stage() -> None:
    rates = CostRates(labour_per_h=36, machine_per_h=0, material_per_unit={"A": 10.0})
    stages = [StageWork("L1", 3600, 100, 0), StageWork("L2", 3600, 100, 5)]
    cost = order_cost("A", 100, stages, rates)
    assert cost.labour == 72 and cost.material == 1000
    # each scrapped unit: 10 material + 0.36 + 0.36 of work
    assert abs(cost.scrap - 5 * 10.72) < 1e-9
    assert cost.total == 1072
