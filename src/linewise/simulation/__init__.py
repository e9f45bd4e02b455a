"""Discrete-event factory simulator: demo data, load tests, what-if and KPI ground truth.

Pure Python over the demo factory's dataclasses (no web or database imports)::

    sim = Simulation(build_factory(start), start, timedelta(days=7), seed=1)
    for event in sim.run():        # ingest protocol v1 dicts, time-ordered
        ...
    sim.ground_truth().write("truth.json")
"""

from linewise.simulation.engine import Simulation, simulate
from linewise.simulation.events import Event, line_of_machine, topic_for
from linewise.simulation.ground_truth import GroundTruth, load_ground_truth
from linewise.simulation.model import MACHINE_CLASSES, MachineClassParams, SimParams

__all__ = [
    "MACHINE_CLASSES",
    "Event",
    "GroundTruth",
    "MachineClassParams",
    "SimParams",
    "Simulation",
    "line_of_machine",
    "load_ground_truth",
    "simulate",
    "topic_for",
]
