"""An engine instance together with what it means in the factory.

The engine counts seconds from the start of the horizon and knows resources and jobs by
name only; a ``Problem`` keeps the way back to lines, orders and operations and to UTC
datetimes. It is stored with every plan (compressed JSON) so that a later move is checked
against exactly the problem the plan was made for.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from linewise.scheduling import (
    FrozenAssignment,
    Instance,
    Job,
    Mode,
    Operation,
    Resource,
    SetupTime,
    SkillShift,
    Window,
)

Key = tuple[str, int]


@dataclass(frozen=True)
class OpRef:
    """The order operation behind engine operation ``(job, index)``."""

    operation_id: int | None  # None for a scenario's rush order
    order_id: int | None
    order_number: str
    product_code: str
    seq: int
    name: str
    due: datetime | None


@dataclass(frozen=True)
class LineRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class MaterialWait:
    """The material an order's first operation waits for (see ``materials.py``).

    ``until`` is when the receipt ``reference`` covers it; None when no known supply
    does (the order is short by ``missing``, in the material's ``unit``).
    """

    code: str
    name: str
    until: datetime | None
    reference: str = ""
    missing: float = 0.0
    unit: str = ""


@dataclass
class Problem:
    instance: Instance
    start: datetime
    end: datetime
    refs: dict[Key, OpRef]
    lines: dict[str, LineRef]  # engine resource id -> line
    warnings: list[str] = field(default_factory=list)
    materials: dict[str, MaterialWait] = field(default_factory=dict)  # job id -> its wait

    def at(self, seconds: int) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def seconds(self, instant: datetime) -> int:
        return int((instant - self.start).total_seconds())

    def resource_of_line(self, line_id: int) -> str | None:
        return next((rid for rid, line in self.lines.items() if line.id == line_id), None)

    def key_of_operation(self, operation_id: int) -> Key | None:
        return next((k for k, ref in self.refs.items() if ref.operation_id == operation_id), None)


# --- compact JSON round trip -----------------------------------------------------------


def _windows(ws: tuple[Window, ...] | None) -> list[list[int]] | None:
    return None if ws is None else [[w.start, w.end] for w in ws]


def _op_out(op: Operation) -> dict[str, Any]:
    return {
        "m": [[m.resource, m.duration] for m in op.modes],
        "f": op.family,
        "s": op.skill,
        "o": op.operators,
        "mw": op.min_wait,
        "xw": op.max_wait,
        "sp": op.splittable,
        "mr": op.material_ready,
        "fr": None if op.frozen is None else [op.frozen.resource, op.frozen.start],
        "n": op.name,
    }


def _op_in(d: dict[str, Any]) -> Operation:
    fr = d["fr"]
    return Operation(
        modes=tuple(Mode(r, t) for r, t in d["m"]),
        family=d["f"],
        skill=d["s"],
        operators=d["o"],
        min_wait=d["mw"],
        max_wait=d["xw"],
        splittable=d["sp"],
        material_ready=d["mr"],
        frozen=None if fr is None else FrozenAssignment(fr[0], fr[1]),
        name=d["n"],
    )


def _crew_out(shift: SkillShift) -> str | list[str]:
    """A crew's skills: a plain string for one skill (as stored before crews existed)."""
    return next(iter(shift.skills)) if len(shift.skills) == 1 else sorted(shift.skills)


def _ref_out(key: Key, ref: OpRef) -> list[Any]:
    due = None if ref.due is None else ref.due.isoformat()
    return [
        key[0],
        key[1],
        ref.operation_id,
        ref.order_id,
        ref.order_number,
        ref.product_code,
        ref.seq,
        ref.name,
        due,
    ]


def _ref_in(row: list[Any]) -> tuple[Key, OpRef]:
    due = None if row[8] is None else datetime.fromisoformat(row[8])
    return (row[0], row[1]), OpRef(row[2], row[3], row[4], row[5], row[6], row[7], due)


def _wait_out(w: MaterialWait) -> list[Any]:
    until = None if w.until is None else w.until.isoformat()
    return [w.code, w.name, until, w.reference, w.missing, w.unit]


def _wait_in(row: list[Any]) -> MaterialWait:
    until = None if row[2] is None else datetime.fromisoformat(row[2])
    return MaterialWait(row[0], row[1], until, row[3], row[4], row[5])


def dump(problem: Problem) -> bytes:
    inst = problem.instance
    data = {
        "start": problem.start.isoformat(),
        "end": problem.end.isoformat(),
        "jobs": [
            {
                "id": j.id,
                "w": j.weight,
                "r": j.release,
                "d": j.due,
                "ops": [_op_out(op) for op in j.operations],
            }
            for j in inst.jobs
        ],
        "resources": [
            {
                "id": r.id,
                "cal": _windows(r.calendar),
                "dc": r.default_changeover,
                "st": [[s.before, s.after, s.duration] for s in r.setups],
            }
            for r in inst.resources
        ],
        "skills": [
            [_crew_out(s), s.window.start, s.window.end, s.capacity] for s in inst.skill_shifts
        ],
        "refs": [_ref_out(k, v) for k, v in problem.refs.items()],
        "lines": {rid: [ln.id, ln.code, ln.name] for rid, ln in problem.lines.items()},
        "warnings": problem.warnings,
        "materials": {k: _wait_out(w) for k, w in problem.materials.items()},
    }
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)


def load(blob: bytes) -> Problem:
    data = json.loads(zlib.decompress(blob))
    jobs = tuple(
        Job(j["id"], tuple(_op_in(o) for o in j["ops"]), j["w"], j["r"], j["d"])
        for j in data["jobs"]
    )
    resources = tuple(
        Resource(
            r["id"],
            None if r["cal"] is None else tuple(Window(a, b) for a, b in r["cal"]),
            tuple(SetupTime(a, b, t) for a, b, t in r["st"]),
            r["dc"],
        )
        for r in data["resources"]
    )
    skills = tuple(SkillShift(s, Window(a, b), c) for s, a, b, c in data["skills"])
    return Problem(
        instance=Instance(jobs, resources, skills),
        start=datetime.fromisoformat(data["start"]),
        end=datetime.fromisoformat(data["end"]),
        refs=dict(_ref_in(row) for row in data["refs"]),
        lines={rid: LineRef(*v) for rid, v in data["lines"].items()},
        warnings=list(data["warnings"]),
        materials={k: _wait_in(v) for k, v in data.get("materials", {}).items()},
    )
