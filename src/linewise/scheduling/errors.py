"""The engine's one error type, shared by the heuristic, the skill board and CP-SAT."""

from __future__ import annotations


class SchedulingError(RuntimeError):
    """The instance cannot be scheduled (e.g. a calendar or a skill shift runs out)."""
