"""One simulated machine: its current state, wear counters and telemetry.

Breakdowns and micro-stops are drawn as *operating* seconds until they happen, so a
machine that stands still does not fail, and the telemetry can know how close a wear
failure is (it drifts over the last ``drift_horizon_h`` operating hours before it).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from linewise.simulation.model import FailureMode, MachineClassParams, SimParams
from linewise.simulation.spec import MachineSpec

StateKey = tuple[str, str | None, str | None]  # state, reason, fault
PRODUCING: StateKey = ("producing", None, None)


class MachineRuntime:
    def __init__(self, spec: MachineSpec, params: SimParams, seed: int, start_ms: int) -> None:
        self.spec = spec
        self.code = spec.code
        self.cls: MachineClassParams = params.of(spec.kind)
        self.params = params
        self.rng = random.Random(f"{seed}:machine:{spec.code}")
        self.telemetry_rng = random.Random(f"{seed}:telemetry:{spec.code}")
        self.threshold_ms = int(spec.minor_stop_threshold_s * 1000)
        self.state: StateKey | None = None
        self.busy_since: int | None = None  # start of the current producing stretch
        self.to_breakdown_s = math.inf
        self.breakdown_mode: FailureMode | None = None
        self.to_micro_s = math.inf
        self.draw_breakdown()
        self.draw_micro_stop()
        # pending count batch: good, reject, rework, units, last unit ms
        self.batch = [0, 0, 0, 0, 0]
        self.batch_op: tuple[str, int, str] | None = None
        interval = max(1, int(params.telemetry_interval_s * 1000))
        self.telemetry_every = interval
        self.next_sample = start_ms
        self.levels = {name: s.stopped for name, s in self.cls.signals.items()}
        self.last_sample = start_ms
        self.units = {name: s.unit for name, s in self.cls.signals.items()}

    # -- failures -------------------------------------------------------------------------

    def draw_breakdown(self) -> None:
        cls = self.cls
        if not self.params.breakdowns or not cls.breakdowns or cls.mtbf_h <= 0:
            self.to_breakdown_s, self.breakdown_mode = math.inf, None
            return
        self.to_breakdown_s = self.rng.expovariate(1.0 / (cls.mtbf_h * 3600.0))
        weights = [m.weight for m in cls.breakdowns]
        self.breakdown_mode = self.rng.choices(cls.breakdowns, weights)[0]

    def draw_micro_stop(self) -> None:
        cls = self.cls
        if not self.params.micro_stops or not cls.micro_stops or cls.micro_stops_per_h <= 0:
            self.to_micro_s = math.inf
            return
        self.to_micro_s = self.rng.expovariate(cls.micro_stops_per_h / 3600.0)

    def repair_ms(self) -> int:
        """Lognormal with mean MTTR; at least the minor-stop threshold plus a second."""
        sigma = self.cls.mttr_sigma
        mu = math.log(self.cls.mttr_min * 60.0) - sigma * sigma / 2
        return max(self.threshold_ms + 1000, int(self.rng.lognormvariate(mu, sigma) * 1000))

    def micro_stop(self) -> tuple[FailureMode, int]:
        """A mode and a duration strictly below the minor-stop threshold."""
        cls = self.cls
        mode = self.rng.choices(cls.micro_stops, [m.weight for m in cls.micro_stops])[0]
        seconds = self.rng.lognormvariate(math.log(cls.micro_stop_median_s), 0.5)
        return mode, max(1000, min(self.threshold_ms - 1000, int(seconds * 1000)))

    def consume(self, seconds: float) -> None:
        self.to_breakdown_s -= seconds
        self.to_micro_s -= seconds

    # -- telemetry ------------------------------------------------------------------------

    def drift_factor(self, ms: int) -> float:
        """0 far from a wear failure, rising linearly to 1 at the moment it happens."""
        mode = self.breakdown_mode
        if mode is None or not mode.drifts:
            return 0.0
        remaining = self.to_breakdown_s
        if self.busy_since is not None:
            remaining -= (ms - self.busy_since) / 1000.0
        horizon = self.params.drift_horizon_h * 3600.0
        if remaining >= horizon:
            return 0.0
        return min(1.0, 1.0 - max(0.0, remaining) / horizon)

    def sample_until(self, upto: int, emit: Callable[[int, dict[str, float]], None]) -> None:
        """Samples at every interval tick before ``upto`` with the current state."""
        if not self.cls.signals:
            return
        producing = self.state is not None and self.state[0] == "producing"
        gauss = self.telemetry_rng.gauss
        while self.next_sample < upto:
            ms = self.next_sample
            drift = self.drift_factor(ms)
            dt = (ms - self.last_sample) / 1000.0
            values: dict[str, float] = {}
            for name, signal in self.cls.signals.items():
                target = signal.producing if producing else signal.stopped
                if name == "temperature_c":  # thermal inertia: ~15 min time constant
                    level = target + (self.levels[name] - target) * math.exp(-dt / 900.0)
                else:
                    level = target
                self.levels[name] = level
                value = level + gauss(0.0, signal.noise) + signal.drift * drift
                values[name] = round(value, 3)
            emit(ms, values)
            self.last_sample = ms
            self.next_sample += self.telemetry_every
