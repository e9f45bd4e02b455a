"""The floor now: each machine's state and since when (the floor snapshot), the stops
still waiting for a reason (the downtime queue), and throughput (the KPI figures)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, Intent, intent
from linewise.assistant.toolbox.common import ScopedParams, areas_of, scope_and_window
from linewise.assistant.toolbox.phrasing import scoped_args
from linewise.assistant.toolbox.scoping import (
    NOW,
    PAST,
    WHICH,
    ScopeParams,
    checked_scope,
    line_ids,
    machine_ids,
    scope_args,
    zone_of,
)
from linewise.assistant.tools import ToolContext, ToolResult, tool
from linewise.domains.performance import downtime
from linewise.ingest.floor import floor_snapshot, machine_rows

PRODUCING = "producing"


def _machine_fact(m: dict[str, Any], now: datetime) -> dict[str, Any]:
    since = m["since"]
    for_s = None
    if since is not None:
        for_s = round((now - datetime.fromisoformat(since)).total_seconds())
    order = m.get("order") or {}
    return {
        "code": m["code"],
        "name": m["name"],
        "line": m["line_code"],
        "state": m["state"],
        "reason": m["reason"],
        "fault": m["fault"],
        "since": since,
        "for_s": for_s,
        "silent": m["silent"],
        "order": order.get("number"),
        "good_this_shift": m["good"],
    }


@tool(
    "machine_states",
    "The state every machine of a machine, line, area or site is in now (producing, "
    "idle, down, setup, planned stop, offline), since when and why",
    ScopeParams,
    "floor:read",
)
def machine_states(ctx: ToolContext, p: ScopeParams) -> ToolResult:
    sc = checked_scope(ctx, p)
    areas = areas_of(ctx)
    if p.scope == "machine":
        # GET /machines/{id}/status: the one machine (its area is checked above).
        rows = machine_rows(ctx.db, machine_ids=[p.id], area_ids=areas, now=ctx.now)
        source = f"GET /api/v1/machines/{p.id}/status"
    else:
        # GET /floor: the asker's areas; the scope then picks its lines.
        snapshot = floor_snapshot(ctx.db, area_ids=areas, now=ctx.now)
        wanted = set(line_ids(sc))
        rows = [m for line in snapshot["lines"] if line["id"] in wanted for m in line["machines"]]
        in_scope = set(machine_ids(sc))
        rows = [m for m in rows if m["id"] in in_scope]
        source = "GET /api/v1/floor"
    machines = [_machine_fact(m, ctx.now) for m in rows]
    states = Counter(m["state"] for m in machines)
    stopped = [m for m in machines if m["state"] != PRODUCING]
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "scope_kind": p.scope,
        "at": ctx.now.isoformat(),
        "timezone": zone_of(sc),
        "machine_count": len(machines),
        "producing": states.get(PRODUCING, 0),
        "stopped_count": len(stopped),
        "states": dict(sorted(states.items())),
        "stopped": [m["code"] for m in stopped],
        "machines": machines,
    }
    return ToolResult(facts, source, "/floor")


class UnassignedParams(ScopedParams):
    since: AwareDatetime | None = Field(
        None, description="from when (default: the window's start, else 7 days ago)"
    )


@tool(
    "unassigned_stops",
    "Stops still without a reason (the downtime reason queue) of a machine, line, area or "
    "site since a time (default: the last 7 days), newest first",
    UnassignedParams,
    "kpi:read",
)
def unassigned_stops(ctx: ToolContext, p: UnassignedParams) -> ToolResult:
    sc = checked_scope(ctx, p)
    since = p.since or ctx.now - timedelta(days=7)
    if p.since is None and any(v is not None for v in (p.day, p.shift, p.week, p.start, p.end)):
        # The queue has no end: a window asked for gives where it starts.
        since = scope_and_window(ctx, p)[1].window.start
    # GET /downtime/unassigned (the asker's areas); the scope then picks its machines.
    body = downtime.unassigned(ctx.db, areas_of(ctx), since, ctx.now, 1000, 0)
    wanted = set(machine_ids(sc))
    items = [i for i in body["items"] if i["machine_id"] in wanted]
    per_machine = Counter(i["machine_code"] for i in items)
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "since": since.isoformat(),
        "timezone": zone_of(sc),
        "total": len(items),
        "ongoing": sum(1 for i in items if i["ongoing"]),
        "minor": sum(1 for i in items if i["minor"]),
        "duration_s": round(sum(i["duration_s"] for i in items)),
        "by_machine": [{"machine": k, "stops": n} for k, n in per_machine.most_common()],
        "latest": [
            {
                "machine": i["machine_code"],
                "start": i["start"],
                "duration_s": round(i["duration_s"]),
                "ongoing": i["ongoing"],
                "fault": i["fault"],
            }
            for i in items[:3]
        ],
    }
    query = f"since={since.isoformat().replace('+', '%2B')}"
    return ToolResult(
        facts,
        f"GET /api/v1/downtime/unassigned?{query}",
        "/downtime",
        f"since {render.moment(since.isoformat(), zone_of(sc))}",
    )


# --- intents ---------------------------------------------------------------------------


def _state_words(m: dict[str, Any], zone: str, short: bool = False) -> str:
    """``short``: without the zone (the sentence names it once) and without "is"."""
    state = str(m["state"]).replace("_", " ")
    verb = "" if short else "is "
    if m["since"] is None:
        return f"{m['code']} {verb}{state} (no state reported yet)"
    when = render.moment(m["since"], zone)
    if short:
        when = when.removesuffix(f" {zone}")
    notes = [render.duration(m["for_s"])]
    if m["reason"] or m["fault"]:
        notes.append(str(m["reason"] or m["fault"]))
    if m["silent"]:
        notes.append("not reporting")
    return f"{m['code']} {verb}{state} since {when} ({', '.join(notes)})"


def _machine_state_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    if f["scope_kind"] == "machine" and f["machines"]:
        m = f["machines"][0]
        order = f", working on {m['order']}" if m["order"] and m["state"] == PRODUCING else ""
        return f"{_state_words(m, zone)}{order}."
    if not f["machines"]:
        return f"{f['scope']} has no machines you can see."
    head = (
        f"{f['scope']}: {f['producing']} of {f['machine_count']} machines producing"
        if f["producing"]
        else f"{f['scope']}: none of its {f['machine_count']} machines is producing"
    )
    stopped = [m for m in f["machines"] if m["state"] != PRODUCING]
    if not stopped:
        return f"{head}; all are running."
    listed = "; ".join(_state_words(m, zone, short=True) for m in stopped[:8])
    return f"{head}; {listed} ({zone})."


def _stopped_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    stopped = [m for m in f["machines"] if m["state"] != PRODUCING]
    if not stopped:
        return f"No machine is stopped in {f['scope']} now: all {f['machine_count']} are producing."
    down = [m for m in stopped if m["state"] == "down"]
    others = [m for m in stopped if m["state"] != "down"]
    parts = [_state_words(m, zone, short=True) for m in down + others][:8]
    more = "" if len(stopped) <= 8 else "; and others"
    return (
        f"{f['stopped_count']} of {f['machine_count']} machines in {f['scope']} are not "
        f"producing now: " + "; ".join(parts) + f"{more} ({zone})."
    )


_DOWN = (
    r"\bdown\b|\bstopped\b|\bstanding\b|\bnot (?:running|producing|working)\b|\bidle\b"
    r"|\bbroken\b|\bfault(?:ed|y)?\b|\boffline\b|\bin error\b|\bdead\b|\bout of action\b"
)
intent(
    Intent(
        "machine_state",
        (
            (
                r"\brunning\b|\bproducing\b|\bworking\b|\bstate\b|\bstatus\b|\bdoing\b"
                r"|\bup\b|\bgoing\b|\bsince when\b|\bhow long has\b",
                1.0,
            ),
            (r"\bis (?:the )?\S+(?: \S+)? (?:down|stopped|idle|up|running|in setup)\b", 0.6),
            (NOW, 0.4),
            (PAST + r"|\bstops\b|\bdowntime\b|\boee\b|\bhow many\b", -1.2),
            (WHICH + r"|\ball\b", -0.3),
        ),
        ("machine", "line"),
        lambda asked: ("machine_states", scope_args(asked)),
        _machine_state_word,
        summary="what a machine or line is doing now, since when",
    )
)
intent(
    Intent(
        "stopped_machines",
        (
            (_DOWN, 1.0),
            (WHICH + r"|\bhow many\b", 0.5),
            (r"\bmachines\b|\bstations\b|\bequipment\b|\blines\b|\banything\b|\banyone\b", 0.5),
            (NOW, 0.3),
            (PAST + r"|\bdowntime\b|\bstops\b|\breasons?\b", -1.2),
        ),
        ("area", "line", "site"),
        lambda asked: ("machine_states", scope_args(asked)),
        _stopped_word,
        summary="which machines are stopped now",
    )
)


def _unassigned_args(asked: Asked) -> tuple[str, dict[str, Any]]:
    if asked.when is None:
        return "unassigned_stops", scope_args(asked)
    return "unassigned_stops", scoped_args(asked)


def _unassigned_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["total"]:
        return f"Every stop of {f['scope']} {result.window} has a reason: the queue is empty."
    zone = f["timezone"]
    per = ", ".join(f"{b['machine']} {b['stops']}" for b in f["by_machine"][:5])
    latest = f["latest"][0]
    ongoing = " (still going on)" if latest["ongoing"] else ""
    return (
        f"{f['total']} stops of {f['scope']} {result.window} still have no reason "
        f"({render.duration(f['duration_s'])} in all; {f['ongoing']} ongoing): {per}. "
        f"The latest: {latest['machine']} at {render.moment(latest['start'], zone)}, "
        f"{render.duration(latest['duration_s'])}{ongoing}."
    )


intent(
    Intent(
        "unassigned_stops",
        (
            (
                r"\bwithout (?:a |any )?(?:reason|cause|code)s?\b|\bno (?:reason|cause)s?\b"
                r"|\bunassigned\b|\bunexplained\b|\bunclassified\b|\buncoded\b|\bunknown reason"
                r"|\bmissing (?:a )?(?:reason|cause|code)s?\b|\bnot (?:yet )?(?:been )?"
                r"(?:assigned|coded|classified|explained|booked)\b|\breason queue\b"
                r"|\bneed(?:s|ing)? (?:a )?reasons?\b|\bopen stops\b|\bto (?:be )?(?:coded|assign)"
                r"|\b(?:down ?time|stop|reason) queue\b",
                1.8,
            ),
            (r"\bstops?\b|\bstoppages?\b|\bdown ?time\b|\bevents\b|\bqueue\b", 0.6),
        ),
        ("scope",),
        _unassigned_args,
        _unassigned_word,
        summary="stops still without a reason",
    )
)


def _throughput_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    rate = f.get("throughput_rate_per_hour")
    if rate is None:
        return f"Throughput of {f['scope']} for {result.window} cannot be computed: no time."
    return (
        f"Throughput of {f['scope']} for {result.window} is {rate:,.1f} units per hour "
        f"({render.count(f['produced'])} produced, {render.count(f['good'])} good)."
    )


intent(
    Intent(
        "throughput",
        (
            (
                r"\bthroughput\b|\bper hour\b|\ban hour\b|\bper hr\b|\b(?:units|pcs|boards|pcbs)"
                r" ?(?:/|per) ?h(?:ou)?r?\b|\buph\b|\bhourly (?:rate|output)\b|\bhow fast\b"
                r"|\bproduction rate\b|\brun rate\b|\boutput rate\b",
                1.8,
            ),
        ),
        ("scope",),
        lambda asked: ("kpi_figures", scoped_args(asked)),
        _throughput_word,
        summary="units per hour of a machine, line, area or site",
    )
)
