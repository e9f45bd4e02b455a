"""Parameters of the simulated machines, per machine class.

The numbers are plausible for an electronics SME, not measured anywhere: they exist so
that every loss the KPI engine knows (breakdowns, minor stops, setups, speed losses,
scrap, rework, breaks) shows up in a week of simulated data with a visible size.

Conventions used throughout the simulator:

- MTBF is *operating* time (producing) between breakdowns, exponential; MTTR is the
  mean repair time, lognormal. A breakdown always lasts at least the machine's
  minor-stop threshold, a micro-stop always less, so the ground truth never sits on the
  boundary the KPI engine classifies by.
- ``reject`` units are scrapped and leave the flow; ``rework`` units were repaired at the
  station and continue as good ones, so ``rework`` is a part of ``good``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FailureMode:
    """One way a machine stops: the reason and fault code it reports.

    ``drifts`` marks wear-type failures whose telemetry climbs in the hours before
    (what predictive maintenance is supposed to find); the others come without warning.
    """

    reason: str
    fault: str
    weight: float = 1.0
    drifts: bool = False


@dataclass(frozen=True, slots=True)
class Signal:
    """A telemetry signal: level while producing, level when stopped, noise, drift.

    ``drift`` is how far the signal has climbed (in its unit) at the moment of a drifting
    breakdown; it grows linearly over the drift horizon before it.
    """

    unit: str
    producing: float
    stopped: float
    noise: float
    drift: float


@dataclass(frozen=True, slots=True)
class MachineClassParams:
    """Behaviour of one machine class (``MachineSpec.kind``)."""

    mtbf_h: float
    mttr_min: float
    breakdowns: tuple[FailureMode, ...]
    micro_stops_per_h: float
    micro_stop_median_s: float
    micro_stops: tuple[FailureMode, ...]
    micro_stop_state: str = "down"  # "idle" for stations that wait for a person
    mttr_sigma: float = 0.6
    cycle_cv: float = 0.03
    scrap_rate: float = 0.002
    rework_rate: float = 0.0
    signals: dict[str, Signal] = field(default_factory=dict)


def _temp(producing: float, stopped: float, noise: float, drift: float) -> Signal:
    return Signal("C", producing, stopped, noise, drift)


def _vib(producing: float, noise: float, drift: float) -> Signal:
    return Signal("mm/s", producing, 0.05, noise, drift)


def _bar(producing: float, stopped: float, noise: float, drift: float) -> Signal:
    return Signal("bar", producing, stopped, noise, drift)


F = FailureMode

MACHINE_CLASSES: dict[str, MachineClassParams] = {
    "printer": MachineClassParams(
        mtbf_h=30.0,
        mttr_min=25.0,
        breakdowns=(F("printer_fault", "PRN-E21", 2, drifts=True), F("paste_empty", "PRN-E05")),
        micro_stops_per_h=2.0,
        micro_stop_median_s=40.0,
        micro_stops=(F("stencil_clean", "PRN-W10", 3), F("paste_empty", "PRN-W05")),
        cycle_cv=0.03,
        scrap_rate=0.002,
        signals={
            "temperature_c": _temp(24.0, 22.5, 0.3, 6.0),
            "vibration_rms": _vib(0.9, 0.05, 1.2),
            "pressure_bar": _bar(2.1, 0.0, 0.03, 0.6),
        },
    ),
    "spi": MachineClassParams(
        mtbf_h=60.0,
        mttr_min=20.0,
        breakdowns=(F("vision_error", "SPI-E30", 1), F("conveyor_jam", "SPI-E11", 1, True)),
        micro_stops_per_h=0.5,
        micro_stop_median_s=30.0,
        micro_stops=(F("vision_error", "SPI-W30"),),
        cycle_cv=0.02,
        scrap_rate=0.004,
        rework_rate=0.006,
        signals={
            "temperature_c": _temp(28.0, 24.0, 0.3, 5.0),
            "vibration_rms": _vib(0.4, 0.03, 0.8),
        },
    ),
    "pnp": MachineClassParams(
        mtbf_h=20.0,
        mttr_min=35.0,
        breakdowns=(
            F("pnp_fault", "PNP-E40", 2, drifts=True),
            F("feeder_error", "PNP-E12", 1, drifts=True),
            F("vision_error", "PNP-E30"),
        ),
        micro_stops_per_h=4.0,
        micro_stop_median_s=35.0,
        micro_stops=(F("nozzle_jam", "PNP-W01", 3), F("feeder_error", "PNP-W12", 2)),
        cycle_cv=0.04,
        scrap_rate=0.002,
        rework_rate=0.003,
        signals={
            "temperature_c": _temp(38.0, 27.0, 0.4, 9.0),
            "vibration_rms": _vib(1.8, 0.08, 2.5),
            "pressure_bar": _bar(5.6, 5.8, 0.05, -0.9),
        },
    ),
    "reflow": MachineClassParams(
        mtbf_h=80.0,
        mttr_min=60.0,
        breakdowns=(F("temp_alarm", "RFL-E70", 2, drifts=True), F("conveyor_jam", "RFL-E11")),
        micro_stops_per_h=0.2,
        micro_stop_median_s=45.0,
        micro_stops=(F("conveyor_jam", "RFL-W11"),),
        cycle_cv=0.01,
        scrap_rate=0.001,
        signals={
            "temperature_c": _temp(245.0, 180.0, 0.8, 14.0),
            "vibration_rms": _vib(0.6, 0.04, 0.9),
            "pressure_bar": _bar(1.02, 1.01, 0.004, 0.05),
        },
    ),
    "aoi": MachineClassParams(
        mtbf_h=70.0,
        mttr_min=20.0,
        breakdowns=(F("vision_error", "AOI-E30", 2), F("conveyor_jam", "AOI-E11", 1, True)),
        micro_stops_per_h=1.0,
        micro_stop_median_s=30.0,
        micro_stops=(F("vision_error", "AOI-W30"),),
        cycle_cv=0.03,
        scrap_rate=0.006,
        rework_rate=0.012,
        signals={
            "temperature_c": _temp(29.0, 24.0, 0.3, 5.0),
            "vibration_rms": _vib(0.4, 0.03, 0.7),
        },
    ),
    "manual_insertion": MachineClassParams(
        mtbf_h=200.0,
        mttr_min=15.0,
        breakdowns=(F("material_late", "INS-M01"), F("material_wrong", "INS-M02")),
        micro_stops_per_h=1.5,
        micro_stop_median_s=90.0,
        micro_stops=(F("no_operator", "INS-P01"),),
        micro_stop_state="idle",
        cycle_cv=0.12,
        scrap_rate=0.004,
        rework_rate=0.01,
    ),
    "wave": MachineClassParams(
        mtbf_h=40.0,
        mttr_min=45.0,
        breakdowns=(F("wave_fault", "WAV-E50", 2, drifts=True), F("flux_empty", "WAV-E05")),
        micro_stops_per_h=0.5,
        micro_stop_median_s=50.0,
        micro_stops=(F("flux_empty", "WAV-W05"),),
        cycle_cv=0.02,
        scrap_rate=0.005,
        rework_rate=0.015,
        signals={
            "temperature_c": _temp(255.0, 230.0, 0.7, 12.0),
            "vibration_rms": _vib(1.1, 0.06, 1.6),
            "pressure_bar": _bar(0.35, 0.0, 0.01, 0.12),
        },
    ),
    "ict": MachineClassParams(
        mtbf_h=50.0,
        mttr_min=30.0,
        breakdowns=(F("fixture_fault", "ICT-E60", 2, drifts=True),),
        micro_stops_per_h=1.0,
        micro_stop_median_s=40.0,
        micro_stops=(F("fixture_fault", "ICT-W60"),),
        cycle_cv=0.05,
        scrap_rate=0.008,
        rework_rate=0.01,
        signals={
            "temperature_c": _temp(31.0, 25.0, 0.3, 6.0),
            "pressure_bar": _bar(6.0, 6.1, 0.05, -1.0),
        },
    ),
    "fct": MachineClassParams(
        mtbf_h=45.0,
        mttr_min=40.0,
        breakdowns=(F("fct_station", "FCT-E80", 2, drifts=True), F("fixture_fault", "FCT-E60")),
        micro_stops_per_h=1.0,
        micro_stop_median_s=45.0,
        micro_stops=(F("fct_station", "FCT-W80"),),
        cycle_cv=0.08,
        scrap_rate=0.012,
        rework_rate=0.015,
        signals={"temperature_c": _temp(33.0, 25.0, 0.4, 7.0)},
    ),
    "packing": MachineClassParams(
        mtbf_h=300.0,
        mttr_min=10.0,
        breakdowns=(F("material_late", "PCK-M01"),),
        micro_stops_per_h=2.0,
        micro_stop_median_s=60.0,
        micro_stops=(F("no_operator", "PCK-P01", 2), F("material_late", "PCK-M01")),
        micro_stop_state="idle",
        cycle_cv=0.1,
        scrap_rate=0.0005,
    ),
}

GENERIC_CLASS = MachineClassParams(
    mtbf_h=50.0,
    mttr_min=30.0,
    breakdowns=(F("machine_fault", "GEN-E01"),),
    micro_stops_per_h=1.0,
    micro_stop_median_s=40.0,
    micro_stops=(F("machine_fault", "GEN-W01"),),
)


@dataclass(frozen=True, slots=True)
class SimParams:
    """Everything tunable about a run besides the factory and the seed."""

    classes: dict[str, MachineClassParams] = field(default_factory=lambda: dict(MACHINE_CLASSES))
    telemetry_interval_s: float = 60.0
    drift_horizon_h: float = 6.0  # operating hours over which a wear failure announces itself
    count_batch: int = 1  # units per count event (a partial batch is sent when a run stops)
    setup_cv: float = 0.15  # lognormal spread of a changeover around the routing's setup time
    family_preference_h: float = 8.0  # a same-family order may jump this much ahead in due date
    breakdowns: bool = True
    micro_stops: bool = True
    scrap: bool = True
    # Operators as agents (``simulation/operators.py``); off keeps earlier runs identical.
    operators: bool = False
    crew: dict[str, int] = field(
        default_factory=lambda: {"SMT": 2, "DIP": 2, "TEST": 1, "PACK": 1}
    )  # operators a line of a type needs present to run
    absence_rate: float = 0.12  # share of shift occurrences an operator misses
    walk_same_area_s: float = 120.0
    walk_other_area_s: float = 300.0
    staff_recheck_s: float = 300.0  # how often a line waiting for people looks again

    def of(self, kind: str) -> MachineClassParams:
        return self.classes.get(kind, GENERIC_CLASS)
