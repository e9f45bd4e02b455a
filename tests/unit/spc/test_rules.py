"""Run rules on patterns built for each rule (the rules' definitions, point by point)."""

from __future__ import annotations

from linewise.spc import NELSON, WESTERN_ELECTRIC, ChartPoint, Rule, evaluate_rules


def pts(zs: list[float]) -> list[ChartPoint]:
    return [ChartPoint(i, z, 0.0, 3.0, -3.0, 1.0) for i, z in enumerate(zs)]


def fired(zs: list[float], rule: Rule) -> list[int]:
    return [v.index for v in evaluate_rules(pts(zs), [rule])]


def test_one_point_beyond_three_sigma() -> None:
    assert fired([0, 3.1, -2.9, -3.5], Rule.NELSON1) == [1, 3]
    assert fired([0, 3.0], Rule.WE1) == []  # on the limit is not beyond


def test_nine_on_one_side_and_eight_for_western_electric() -> None:
    zs = [-0.5] + [0.2] * 9 + [0.0, 0.3]
    assert fired(zs, Rule.NELSON2) == [9]
    assert fired(zs, Rule.WE4) == [8, 9]
    assert fired([0.2] * 8, Rule.NELSON2) == []


def test_six_steadily_increasing_or_decreasing() -> None:
    up = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert fired(up, Rule.NELSON3) == [5]
    assert fired(up[:5], Rule.NELSON3) == []
    assert fired([0.5, 0.4, 0.3, 0.3, 0.2, 0.1, 0.0], Rule.NELSON3) == []  # a tie breaks it
    assert fired([0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1], Rule.NELSON3) == [5, 6]


def test_fourteen_alternating() -> None:
    zig = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert fired(zig, Rule.NELSON4) == [13]
    assert fired(zig[:13], Rule.NELSON4) == []


def test_two_of_three_beyond_two_sigma_same_side() -> None:
    assert fired([0, 2.1, 0.5, 2.2], Rule.NELSON5) == [3]
    assert fired([0, 2.1, -2.2, 0.5], Rule.WE2) == []  # opposite sides
    assert fired([2.1, 0, 0, 2.2], Rule.WE2) == []  # not within three


def test_four_of_five_beyond_one_sigma_same_side() -> None:
    assert fired([1.5, 1.2, 0.2, 1.1, 1.3], Rule.NELSON6) == [4]
    assert fired([-1.5, -1.2, 0.2, -1.1, -1.3, -1.4], Rule.WE3) == [4, 5]
    assert fired([1.5, 1.2, 0.2, 1.1, -1.3], Rule.WE3) == []


def test_fifteen_within_one_sigma() -> None:
    hug = [0.3 if i % 3 else -0.2 for i in range(15)]
    assert fired(hug, Rule.NELSON7) == [14]
    assert fired(hug[:14], Rule.NELSON7) == []


def test_eight_beyond_one_sigma_either_side() -> None:
    mix = [1.5, -1.5] * 4
    assert fired(mix, Rule.NELSON8) == [7]
    assert fired([*mix[:7], 0.5], Rule.NELSON8) == []


def test_variable_sigma_places_each_point_in_its_own_zones() -> None:
    # the same value is beyond 3 sigma where the sigma is small and not where it is large
    points = [ChartPoint(0, 0.5, 0.2, 0.5, 0.0, 0.05), ChartPoint(1, 0.5, 0.2, 0.8, 0.0, 0.2)]
    assert [v.index for v in evaluate_rules(points, NELSON)] == [0]


def test_rule_sets() -> None:
    assert len(NELSON) == 8 and len(WESTERN_ELECTRIC) == 4
    drift = [0.0] * 5 + [0.5 + 0.4 * i for i in range(8)]
    found = {v.rule for v in evaluate_rules(pts(drift), NELSON)}
    assert {Rule.NELSON1, Rule.NELSON3, Rule.NELSON5, Rule.NELSON6} <= found
