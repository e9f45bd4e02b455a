"""Statistical process control: control charts, capability indices and run rules.

A pure engine (numbers in, frozen dataclasses out): no framework, no database, no domain.
`charts` computes the limits and points of the Shewhart, EWMA and CUSUM charts,
`capability` the Cp/Cpk/Pp/Ppk indices, `rules` the Western Electric and Nelson tests.
"""

from linewise.spc.capability import Capability, capability
from linewise.spc.charts import (
    Chart,
    ChartKind,
    ChartPoint,
    c_chart,
    cusum_chart,
    ewma_chart,
    imr_chart,
    np_chart,
    p_chart,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)
from linewise.spc.constants import a2, a3, b3, b4, c4, d2, d3, d4
from linewise.spc.rules import NELSON, WESTERN_ELECTRIC, Rule, Violation, evaluate_rules

__all__ = [
    "NELSON",
    "WESTERN_ELECTRIC",
    "Capability",
    "Chart",
    "ChartKind",
    "ChartPoint",
    "Rule",
    "Violation",
    "a2",
    "a3",
    "b3",
    "b4",
    "c4",
    "c_chart",
    "capability",
    "cusum_chart",
    "d2",
    "d3",
    "d4",
    "evaluate_rules",
    "ewma_chart",
    "imr_chart",
    "np_chart",
    "p_chart",
    "u_chart",
    "xbar_r_chart",
    "xbar_s_chart",
]
