"""Why a machine or an operator stands idle: one vocabulary for the simulator's ground
truth and for the product's measurement of stored state intervals.

The causes follow the standby reasons of SEMI E10 and IPC-CFX (``StationIdle`` /
``ProcessingStopped`` reasons): a machine is *idle* when it is on planned production
time and neither producing nor being set up, i.e. in the ``idle`` (standby) or ``down``
state. Planned stops (breaks, no shift) are not idle time.
"""

from __future__ import annotations

NO_ASSIGNMENT = "no_assignment"  # nobody there to run it
MACHINE_DOWN = "machine_down"  # broken down, or a stop not yet cleared
STARVED = "starved"  # the station before it delivers nothing
BLOCKED = "blocked"  # the station after it takes nothing
NO_MATERIAL = "no_material"  # material late or wrong
WAITING_FOR_SETUP = "waiting_for_setup"  # a changeover waits for a qualified person
NO_ORDER = "no_order"  # no released work for it
OTHER = "other"  # idle with a reason of its own, or none

CAUSES: tuple[str, ...] = (
    NO_ASSIGNMENT,
    MACHINE_DOWN,
    STARVED,
    BLOCKED,
    NO_MATERIAL,
    WAITING_FOR_SETUP,
    NO_ORDER,
    OTHER,
)

_BY_REASON = {
    "starved": STARVED,
    "blocked": BLOCKED,
    "no_assignment": NO_ASSIGNMENT,
    "no_operator": NO_ASSIGNMENT,
    "material_late": NO_MATERIAL,
    "material_wrong": NO_MATERIAL,
    "no_material": NO_MATERIAL,
    "waiting_for_setup": WAITING_FOR_SETUP,
    "no_order": NO_ORDER,
}


def cause_of(state: str, reason: str | None) -> str | None:
    """The idle cause of a state interval, or None when the interval is not idle time."""
    if state == "down":
        return MACHINE_DOWN
    if state != "idle":
        return None
    return _BY_REASON.get(reason or "", OTHER)
