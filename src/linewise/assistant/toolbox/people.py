"""People: who works on a line now, where an operator works, where the asker works; from
the allocation board of the current shift and the work intervals the terminals open, as
GET /allocation/board, /labour/work-intervals and /labour/me read them."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select

from linewise.assistant.intents import Asked, CannotAnswer, Intent, Plan, intent
from linewise.assistant.toolbox.common import iso
from linewise.assistant.toolbox.places import line_for, line_of
from linewise.assistant.tools import ToolContext, ToolRefused, ToolResult, tool
from linewise.core.errors import Forbidden
from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.labour import figures, service, shifts
from linewise.domains.labour import repository as labour_repo
from linewise.domains.labour.shifts import ShiftRef
from linewise.domains.people.models import Operator


def _site_of(ctx: ToolContext, line: Line | None = None) -> int:
    if line is not None:
        area = ctx.db.get(Area, line.area_id)
        if area is not None:
            return area.site_id
    ids = labour_repo.site_ids(ctx.db)
    if not ids:
        raise ToolRefused("this factory has no site yet")
    return ids[0]


def _shift_facts(shift: ShiftRef) -> dict[str, Any]:
    out = figures.shift_out(shift)
    return {
        "code": out["code"],
        "start": iso(out["start"]),
        "end": iso(out["end"]),
    }


def _shift_words(shift: dict[str, Any], zone: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime.fromisoformat(shift["start"]).astimezone(ZoneInfo(zone))
    end = datetime.fromisoformat(shift["end"]).astimezone(ZoneInfo(zone))
    return f"shift {shift['code']} ({start:%a %d %b %H:%M}–{end:%a %d %b %H:%M} {zone})"


class CrewParams(BaseModel):
    line_id: int = Field(ge=1, le=2_147_483_647)


@tool(
    "line_crew",
    "Who works on a line now: the operators clocked in there (open work intervals) and "
    "those the allocation board puts on it this shift",
    CrewParams,
    "labour:read",
)
def line_crew(ctx: ToolContext, p: CrewParams) -> ToolResult:
    # Supervisors see their areas' lines only, as GET /labour/work-intervals filters them.
    line = line_for(ctx.db, ctx.principal, p.line_id)
    site_id = _site_of(ctx, line)
    current, _next = shifts.current_and_next(ctx.db, site_id, ctx.now)
    _version, board = service.board_assignments(ctx.db, site_id, current.key)
    names = {o.id: o.name for o in labour_repo.active_operators(ctx.db)}
    clocked = {
        e.operator_id
        for e in labour_repo.clock_entries(ctx.db, ctx.now, ctx.now)
        if e.clock_out is None
    }
    assigned = [
        {
            "name": names.get(a["operator_id"], f"operator {a['operator_id']}"),
            "machine": _machine_name(ctx, a.get("machine_id")),
            "clocked_in": a["operator_id"] in clocked,
        }
        for a in board
        if a["line_id"] == line.id
    ]
    working = [
        names.get(w.operator_id, f"operator {w.operator_id}")
        for w in labour_repo.work_intervals(ctx.db, current.window.start, current.window.end)
        if w.line_id == line.id and w.ended_at is None
    ]
    return ToolResult(
        {
            "line": line.code,
            "shift": _shift_facts(current),
            "working": sorted(set(working)),
            "working_count": len(set(working)),
            "assigned": assigned,
            "assigned_count": len(assigned),
            "timezone": current.timezone,
        },
        f"GET /api/v1/allocation/board?site_id={site_id} and /api/v1/labour/work-intervals",
        "/allocation",
        _shift_words(_shift_facts(current), current.timezone),
    )


def _machine_name(ctx: ToolContext, machine_id: int | None) -> str | None:
    if not machine_id:
        return None
    machine = ctx.db.get(Machine, machine_id)
    return machine.name if machine else None


def _station(ctx: ToolContext, site_id: int, shift: ShiftRef, operator_id: int) -> str | None:
    _version, board = service.board_assignments(ctx.db, site_id, shift.key)
    a = service.assignment_of(board, operator_id)
    return service.station_name(ctx.db, a) if a else None


def _whereabouts(ctx: ToolContext, op: Operator) -> dict[str, Any]:
    """What /labour/me says of an operator: clocked in since, station now and next."""
    site_id = _site_of(ctx)
    current, nxt = shifts.current_and_next(ctx.db, site_id, ctx.now)
    entry = labour_repo.open_entry(ctx.db, op.id)
    return {
        "operator": op.name,
        "code": op.code,
        "clocked_in_since": iso(entry.clock_in) if entry else None,
        **{
            label: {"shift": _shift_facts(shift), "station": _station(ctx, site_id, shift, op.id)}
            for label, shift in (("current", current), ("next", nxt))
        },
        "timezone": current.timezone,
    }


class OperatorParams(BaseModel):
    name: str = Field(min_length=2, max_length=200, description="the operator's name or code")


def find_operator(ctx: ToolContext, name: str) -> Operator:
    """By code, full name or a name that is unique as a first or last name."""
    wanted = re.sub(r"\s+", " ", name.strip().lower())
    rows = list(
        ctx.db.scalars(
            select(Operator).where(
                or_(func.lower(Operator.code) == wanted, func.lower(Operator.name) == wanted)
            )
        )
    )
    if not rows:
        rows = [
            o for o in labour_repo.active_operators(ctx.db) if wanted in o.name.lower().split(" ")
        ]
    if not rows:
        raise ToolRefused(f"no operator is called {name}")
    if len(rows) > 1:
        raise ToolRefused(f"{len(rows)} operators are called {name}; give the full name")
    return rows[0]


@tool(
    "operator_whereabouts",
    "Where an operator works: clocked in or not, their station on the board this shift and next",
    OperatorParams,
    "labour:read",
)
def operator_whereabouts(ctx: ToolContext, p: OperatorParams) -> ToolResult:
    op = find_operator(ctx, p.name)
    # As the labour routes: a supervisor sees the operators of their areas only.
    if ctx.principal.area_scoped and not set(op.area_ids) & ctx.principal.area_ids:
        raise Forbidden(f"{op.name} works outside your areas")
    facts = _whereabouts(ctx, op)
    return ToolResult(facts, "GET /api/v1/allocation/board", "/allocation")


class NoParams(BaseModel):
    pass


@tool(
    "my_whereabouts",
    "The asking operator: clocked in or not, their station this shift and next",
    NoParams,
    "labour:self",
)
def my_whereabouts(ctx: ToolContext, p: NoParams) -> ToolResult:
    op = labour_repo.operator_of_user(ctx.db, ctx.principal.user_id)
    if op is None:
        raise ToolRefused("your account is not an operator's")
    return ToolResult(_whereabouts(ctx, op), "GET /api/v1/labour/me", "/allocation")


# --- intents ---------------------------------------------------------------------------

_SELF = re.compile(r"\b(?:i|me|my|myself)\b")
# "where is Anna working", "where's OP-003", "which line is Ben Schmidt on"
_NAMED = (
    re.compile(
        r"\bwhere(?:'s| is| does)?\s+(?:operator\s+)?(.+?)(?:\s+(?:working|work|assigned|"
        r"stationed|posted|sitting|today|now|this shift|at the moment|right now|at))*$"
    ),
    re.compile(
        r"\b(?:which|what) (?:line|station|machine|post) (?:is|does|has)\s+(?:operator\s+)?"
        r"(.+?)\s+(?:on|at|working|work|assigned|got)\b"
    ),
)


def _people_plan(asked: Asked) -> Plan:
    if _SELF.search(asked.text) and re.search(r"\bwhere\b|\bmy (?:station|line|post)", asked.text):
        return "my_whereabouts", {}
    if asked.mentions.first("line", "machine") is not None:
        return "line_crew", {"line_id": line_of(asked).id}
    for pattern in _NAMED:
        m = pattern.search(asked.text)
        if m and m.group(1).strip():
            return "operator_whereabouts", {"name": m.group(1).strip()}
    raise CannotAnswer("which line or which operator? Name one")


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "nobody"


def _people_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if "line" in f:
        board = [
            a["name"]
            + (f" at {a['machine']}" if a["machine"] else "")
            + ("" if a["clocked_in"] else " (not clocked in)")
            for a in f["assigned"]
        ]
        return (
            f"On {f['line']} now: {_names(f['working'])} clocked in and working there; "
            f"the board for {result.window} puts {_names(board)} on it."
        )
    now, nxt = f["current"], f["next"]
    zone = f["timezone"]
    where = (
        f"is on {now['station']}" if now["station"] else "has no station on the board"
    ) + f" in {_shift_words(now['shift'], zone)}"
    clock = (
        f", clocked in since {_moment(f['clocked_in_since'], zone)}"
        if f["clocked_in_since"]
        else ", not clocked in"
    )
    later = f"; next shift: {nxt['station']}" if nxt["station"] else ""
    return f"{f['operator']} {where}{clock}{later}."


def _moment(value: str, zone: str) -> str:
    from linewise.assistant import render

    return render.moment(value, zone)


intent(
    Intent(
        "who_works_where",
        (
            (
                r"\bwho(?:'s| is| are)?\b|\bwhere\b"
                r"|\b(?:which|what) (?:line|station|machine|post) (?:is|does|has)\b",
                1.1,
            ),
            (
                r"\boperators?\b|\bcrew\b|\bstaff\w*\b|\bpeople\b|\bmann(?:ing|ed)\b|\bworkers?\b"
                r"|\bworking\b|\bwork\b|\bassigned\b|\bstationed\b|\bposted\b|\bstation\b"
                r"|\bclocked in\b",
                0.5,
            ),
        ),
        ("line", "machine"),
        _people_plan,
        _people_word,
        summary="who works on a line, where an operator works",
    )
)
