"""Maintenance: the orders that are due or overdue, and each machine's health as the
maintenance routes show it (failures, MTBF and MTTR, and the early warnings that anomaly
and condition plans open)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, Intent, Plan, intent
from linewise.assistant.toolbox.common import iso
from linewise.assistant.toolbox.scoping import (
    NOW,
    WHICH,
    ScopeParams,
    checked_scope,
    machine_ids,
    scope_args,
    zone_of,
)
from linewise.assistant.tools import ToolContext, ToolResult, tool
from linewise.domains.maintenance import figures as figs
from linewise.domains.maintenance import repository as repo
from linewise.domains.maintenance import service
from linewise.domains.maintenance.models import MaintenanceStatus

WAITING = (MaintenanceStatus.PLANNED.value, MaintenanceStatus.SCHEDULED.value)
OPEN = (*WAITING, MaintenanceStatus.IN_PROGRESS.value)
# Plans whose orders warn of a failure rather than being routine work (as the alerts'
# predicted_failure condition reads them).
WARNING_TRIGGERS = ("anomaly", "condition")


class DueParams(ScopeParams):
    within_days: float = Field(7, ge=0, le=366, description="due up to this many days ahead")


def _q(value: datetime) -> str:
    return value.isoformat().replace("+", "%2B")


@tool(
    "maintenance_due",
    "Maintenance orders not started yet (planned or scheduled) that are overdue or due "
    "within some days, of the machines of a machine, line, area or site, earliest first",
    DueParams,
    "maintenance:read",
)
def maintenance_due(ctx: ToolContext, p: DueParams) -> ToolResult:
    sc = checked_scope(ctx, p)
    until = ctx.now + timedelta(days=p.within_days)
    # GET /maintenance/orders?status=planned&status=scheduled: the asker's machines
    # (checked_scope narrowed them to their areas), then those due by ``until``.
    ids = machine_ids(sc)
    rows = repo.orders(ctx.db, machine_ids=ids, statuses=WAITING, limit=1000) if ids else []
    due = sorted(
        (o for o in rows if o.due_at is not None and o.due_at <= until),
        key=lambda o: (o.due_at, o.id),
    )
    codes = repo.machine_codes(ctx.db, {o.machine_id for o in due})
    items = [
        {
            "id": o.id,
            "machine": codes.get(o.machine_id, ""),
            "title": o.title,
            "kind": o.kind,
            "status": o.status,
            "due_at": iso(o.due_at),
            "overdue": o.due_at is not None and o.due_at < ctx.now,
            "overdue_s": round((ctx.now - o.due_at).total_seconds())
            if o.due_at is not None and o.due_at < ctx.now
            else None,
        }
        for o in due
    ]
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "timezone": zone_of(sc),
        "within_days": p.within_days,
        "until": until.isoformat(),
        "due": len(items),
        "overdue": sum(1 for i in items if i["overdue"]),
        "machines": len({i["machine"] for i in items}),
        "items": items[:8],
    }
    return ToolResult(
        facts,
        "GET /api/v1/maintenance/orders?status=planned&status=scheduled",
        "/maintenance",
    )


class HealthParams(ScopeParams):
    days: int = Field(30, ge=1, le=365, description="the figures' window: the last N days")


@tool(
    "machine_health",
    "Machine health over the last days: failures, MTBF, MTTR, downtime and overdue "
    "maintenance per machine, open early warnings (orders opened by anomaly or condition "
    "plans) and, for one machine, the anomaly detector's alarms of the last 7 days",
    HealthParams,
    "maintenance:read",
)
def machine_health(ctx: ToolContext, p: HealthParams) -> ToolResult:
    sc = checked_scope(ctx, p)
    start = ctx.now - timedelta(days=p.days)
    machines = repo.machines(ctx.db, machine_ids(sc))
    # GET /maintenance/figures?from&to: per machine of the asker's areas.
    rows = figs.machine_figures(ctx.db, machines, start, ctx.now, ctx.now)
    codes = {m.id: m.code for m in machines}
    # GET /maintenance/orders (open) with GET /maintenance/plans: the early warnings.
    triggers = {plan.id: plan.trigger for plan in repo.plans(ctx.db)}
    warnings: dict[int, list[dict[str, Any]]] = {}
    ids = list(codes)
    for o in repo.orders(ctx.db, machine_ids=ids, statuses=OPEN, limit=1000) if ids else []:
        if o.plan_id is not None and triggers.get(o.plan_id) in WARNING_TRIGGERS:
            warnings.setdefault(o.machine_id, []).append(
                {"title": o.title, "note": o.note, "due_at": iso(o.due_at), "status": o.status}
            )
    per_machine: list[dict[str, Any]] = [
        {
            "machine": codes[r.machine_id],
            "warnings": len(warnings.get(r.machine_id, [])),
            "warning_titles": [w["title"] for w in warnings.get(r.machine_id, [])],
            "failures": r.failures,
            "mtbf_h": None if r.mtbf_h is None else round(r.mtbf_h, 2),
            "mttr_h": None if r.mttr_h is None else round(r.mttr_h, 3),
            "down_h": round(r.down_h, 2),
            "overdue": r.overdue,
        }
        for r in rows
    ]
    # Most at risk first: an open early warning, then more failures, then a shorter MTBF.
    per_machine.sort(
        key=lambda m: (
            -m["warnings"],
            -m["failures"],
            m["mtbf_h"] if m["mtbf_h"] is not None else float("inf"),
            m["machine"],
        )
    )
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "scope_kind": p.scope,
        "days": p.days,
        "timezone": zone_of(sc),
        "machine_count": len(per_machine),
        "with_warnings": sum(1 for m in per_machine if m["warnings"]),
        "machines": per_machine[:5],
    }
    source = f"GET /api/v1/maintenance/figures?from={_q(start)}&to={_q(ctx.now)}"
    if p.scope == "machine":
        # GET /maintenance/anomalies?machine_id: the detector's alarms of the last week.
        found = service.anomalies(ctx.db, p.id, ctx.now - timedelta(days=7), ctx.now)
        facts["anomaly_days"] = 7
        facts["anomalies"] = len(found)
        facts["last_anomaly"] = (
            None
            if not found
            else {
                "at": found[-1].ts.isoformat(),
                "score": round(found[-1].score, 2),
                "signals": list(found[-1].signals),
            }
        )
        source += f"; GET /api/v1/maintenance/anomalies?machine_id={p.id}"
    return ToolResult(facts, source, "/maintenance")


# --- intents ---------------------------------------------------------------------------


def _due_args(asked: Asked) -> Plan:
    args = scope_args(asked)
    when = asked.when
    if when is not None and (when.days_ago == 0 or when.shift is not None):
        args["within_days"] = 1
    elif when is not None and when.days is not None:
        args["within_days"] = when.days
    return "maintenance_due", args


def _due_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    zone = f["timezone"]
    if not f["due"]:
        return (
            f"No maintenance of {f['scope']} is overdue or due by "
            f"{render.moment(f['until'], zone)}."
        )
    parts = []
    for i in f["items"]:
        late = (
            f"overdue by {render.duration(i['overdue_s'])}"
            if i["overdue"]
            else f"due {render.moment(i['due_at'], zone)}"
        )
        parts.append(f"{i['machine']} {i['title']} ({late})")
    more = "" if f["due"] <= len(f["items"]) else "; and others"
    return (
        f"{f['due']} maintenance orders of {f['scope']} are due by "
        f"{render.moment(f['until'], zone)}, {f['overdue']} of them overdue: "
        + "; ".join(parts)
        + more
        + "."
    )


intent(
    Intent(
        "maintenance_due",
        (
            (
                r"\bmaintenance\b|\bmaint\b|\bpms?\b|\bpreventive\b|\bservic(?:e|ing)\b"
                r"|\bupkeep\b|\binspections? due\b|\blubrication\b|\bcalibration\b",
                1.4,
            ),
            (r"\bdue\b|\boverdue\b|\bupcoming\b|\bnext\b|\bpending\b|\bcoming up\b|\blate\b", 0.8),
            (WHICH, 0.2),
            (r"\blikely to\b|\bhealth\b|\bfail", -1.0),
        ),
        ("machine", "line", "area"),
        _due_args,
        _due_word,
        summary="which machines have maintenance due or overdue",
    )
)


def _health_args(asked: Asked) -> Plan:
    return "machine_health", scope_args(asked)


def _machine_words(m: dict[str, Any]) -> str:
    mtbf = f", MTBF {m['mtbf_h']:.1f} h" if m["mtbf_h"] is not None else ""
    warn = ""
    if m["warnings"]:
        warn = f", early warning: {', '.join(m['warning_titles'])}"
    return f"{m['machine']} ({m['failures']} failures{mtbf}, down {m['down_h']:.1f} h{warn})"


def _health_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["machines"]:
        return f"{f['scope']} has no machines you can see."
    if f["scope_kind"] == "machine":
        m = f["machines"][0]
        text = f"Health of {_machine_words(m)} over the last {f['days']} days"
        if m["overdue"]:
            text += f"; {m['overdue']} maintenance orders overdue"
        anomalies = f.get("anomalies") or 0
        if anomalies and f.get("last_anomaly"):
            last = f["last_anomaly"]
            text += (
                f"; {anomalies} anomaly alarms in the last {f['anomaly_days']} days, the latest "
                f"{render.moment(last['at'], f['timezone'])} on {', '.join(last['signals'])}"
            )
        else:
            text += f"; no anomaly alarms in the last {f['anomaly_days']} days"
        return text + "."
    top = f["machines"][0]
    if not top["warnings"] and not top["failures"]:
        return (
            f"No machine of {f['scope']} shows an early warning or failed in the last "
            f"{f['days']} days."
        )
    risky = [m for m in f["machines"][:3] if m["warnings"] or m["failures"]]
    ranked = "; ".join(_machine_words(m) for m in risky)
    warned = (
        f"{f['with_warnings']} machines have an open early warning"
        if f["with_warnings"]
        else "No machine has an open early warning"
    )
    return f"{warned}. Most at risk in {f['scope']} (last {f['days']} days): {ranked}."


intent(
    Intent(
        "machine_health",
        (
            (
                r"\blikely to (?:fail|break)|\bgoing to (?:fail|break)|\babout to (?:fail|break)"
                r"|\bwill (?:fail|break)|\bnext to (?:fail|break)|\bpredict\w*|\bfailure risk\b"
                r"|\brisk of (?:failure|failing|breaking)\b|\bat risk\b|\bhealth\w*\b"
                r"|\banomal\w*|\bearly warnings?\b|\bcondition\b|\bworn\b|\bwear\b"
                r"|\bin (?:good|bad) (?:shape|condition)\b|\bfail(?:s|ing)? (?:most|often)\b"
                r"|\bmost (?:failures|breakdowns)\b|\bunreliable\b|\bproblem machines?\b",
                2.0,
            ),
            (NOW + r"|" + WHICH + r"|\bmachines?\b", 0.2),
        ),
        ("machine", "line", "area"),
        _health_args,
        _health_word,
        summary="machine health and which machine is likely to fail",
    )
)
