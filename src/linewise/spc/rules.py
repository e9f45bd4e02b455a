"""Run rules: the four Western Electric rules and the eight Nelson rules.

Each point is placed by z = (value - centre) / sigma, with the standard error of the
plotted statistic at that point (so variable limits are handled). A violation names the
rule and the point at which the rule fires (the last point of the pattern) together with
the first point of the pattern. Rules on runs fire on every point that extends the run.
For the "k of m" rules the firing point must itself lie in the zone, so a pattern is
reported where it forms, not again on the unremarkable points after it.

Western Electric (Western Electric Statistical Quality Control Handbook, 1956):
  we1 one point beyond 3 sigma; we2 two of three beyond 2 sigma, same side;
  we3 four of five beyond 1 sigma, same side; we4 eight in a row on one side.
Nelson (Journal of Quality Technology 16(4), 1984):
  nelson1 one point beyond 3 sigma; nelson2 nine in a row on one side;
  nelson3 six in a row steadily increasing or decreasing; nelson4 fourteen in a row
  alternating up and down; nelson5 two of three beyond 2 sigma, same side;
  nelson6 four of five beyond 1 sigma, same side; nelson7 fifteen in a row within
  1 sigma (either side); nelson8 eight in a row beyond 1 sigma (either side).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from linewise.spc.charts import ChartPoint


class Rule(StrEnum):
    WE1 = "we1"
    WE2 = "we2"
    WE3 = "we3"
    WE4 = "we4"
    NELSON1 = "nelson1"
    NELSON2 = "nelson2"
    NELSON3 = "nelson3"
    NELSON4 = "nelson4"
    NELSON5 = "nelson5"
    NELSON6 = "nelson6"
    NELSON7 = "nelson7"
    NELSON8 = "nelson8"


WESTERN_ELECTRIC = (Rule.WE1, Rule.WE2, Rule.WE3, Rule.WE4)
NELSON = tuple(Rule(f"nelson{i}") for i in range(1, 9))

RULE_TEXT = {
    Rule.WE1: "one point beyond 3 sigma",
    Rule.WE2: "two of three points beyond 2 sigma on the same side",
    Rule.WE3: "four of five points beyond 1 sigma on the same side",
    Rule.WE4: "eight points in a row on the same side of the centre line",
    Rule.NELSON1: "one point beyond 3 sigma",
    Rule.NELSON2: "nine points in a row on the same side of the centre line",
    Rule.NELSON3: "six points in a row steadily increasing or decreasing",
    Rule.NELSON4: "fourteen points in a row alternating up and down",
    Rule.NELSON5: "two of three points beyond 2 sigma on the same side",
    Rule.NELSON6: "four of five points beyond 1 sigma on the same side",
    Rule.NELSON7: "fifteen points in a row within 1 sigma of the centre line",
    Rule.NELSON8: "eight points in a row beyond 1 sigma, on either side",
}


@dataclass(frozen=True, slots=True)
class Violation:
    rule: Rule
    index: int  # the point at which the rule fires
    first: int  # the first point of the pattern


def _z(p: ChartPoint) -> float:
    if p.sigma <= 0:
        return 0.0
    return (p.value - p.center) / p.sigma


def _side(z: float) -> int:
    return 1 if z > 0 else -1 if z < 0 else 0


def _beyond(zs: Sequence[float], limit: float, out: list[Violation], rule: Rule) -> None:
    for i, z in enumerate(zs):
        if abs(z) > limit:
            out.append(Violation(rule, i, i))


def _k_of_m(
    zs: Sequence[float], k: int, m: int, limit: float, out: list[Violation], rule: Rule
) -> None:
    for i, z in enumerate(zs):
        if abs(z) <= limit:
            continue
        side = _side(z)
        lo = max(0, i - m + 1)
        window = [j for j in range(lo, i + 1) if _side(zs[j]) == side and abs(zs[j]) > limit]
        if len(window) >= k:
            out.append(Violation(rule, i, window[0]))


def _runs(flags: Sequence[int], length: int, out: list[Violation], rule: Rule) -> None:
    """Fire where `length` consecutive flags are equal and non-zero."""
    run = 0
    for i, f in enumerate(flags):
        run = run + 1 if f != 0 and i > 0 and flags[i - 1] == f else (1 if f != 0 else 0)
        if run >= length:
            out.append(Violation(rule, i, i - length + 1))


def evaluate_rules(points: Sequence[ChartPoint], rules: Iterable[Rule]) -> list[Violation]:
    """The violations of the chosen rules, ordered by point then rule."""
    zs = [_z(p) for p in points]
    sides = [_side(z) for z in zs]
    out: list[Violation] = []
    for rule in dict.fromkeys(rules):
        if rule in (Rule.WE1, Rule.NELSON1):
            _beyond(zs, 3.0, out, rule)
        elif rule in (Rule.WE2, Rule.NELSON5):
            _k_of_m(zs, 2, 3, 2.0, out, rule)
        elif rule in (Rule.WE3, Rule.NELSON6):
            _k_of_m(zs, 4, 5, 1.0, out, rule)
        elif rule is Rule.WE4:
            _runs(sides, 8, out, rule)
        elif rule is Rule.NELSON2:
            _runs(sides, 9, out, rule)
        elif rule is Rule.NELSON3:
            # six points = five consecutive steps in the same direction
            steps = [0] + [_side(b.value - a.value) for a, b in itertools.pairwise(points)]
            run = 0
            for i in range(1, len(points)):
                run = (
                    run + 1
                    if steps[i] != 0 and steps[i] == steps[i - 1]
                    else (1 if steps[i] else 0)
                )
                if run >= 5:
                    out.append(Violation(rule, i, i - 5))
        elif rule is Rule.NELSON4:
            # fourteen points = thirteen steps alternating in direction
            steps = [_side(b.value - a.value) for a, b in itertools.pairwise(points)]
            run = 0
            for j, s in enumerate(steps):
                run = run + 1 if s != 0 and j > 0 and steps[j - 1] == -s else (1 if s else 0)
                if run >= 13:
                    out.append(Violation(rule, j + 1, j + 1 - 13))
        elif rule is Rule.NELSON7:
            _runs([1 if abs(z) < 1.0 else 0 for z in zs], 15, out, rule)
        elif rule is Rule.NELSON8:
            _runs([1 if abs(z) > 1.0 else 0 for z in zs], 8, out, rule)
    order = {r: i for i, r in enumerate(Rule)}
    out.sort(key=lambda v: (v.index, order[v.rule]))
    return out
