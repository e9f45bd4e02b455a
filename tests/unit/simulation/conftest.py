"""One simulated week of the demo factory, shared by the tests that only read it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from linewise.demo.factory import build_factory
from linewise.simulation import Event, GroundTruth, Simulation
from linewise.simulation.spec import FactorySpec

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Run:
    spec: FactorySpec
    events: list[Event]
    truth: GroundTruth
    seconds: float


@pytest.fixture(scope="session")
def week() -> Run:
    spec = build_factory(MONDAY)
    started = time.perf_counter()
    sim = Simulation(spec, MONDAY, timedelta(days=7), seed=11)
    events = list(sim.run())
    seconds = time.perf_counter() - started
    return Run(spec, events, sim.ground_truth(), seconds)
