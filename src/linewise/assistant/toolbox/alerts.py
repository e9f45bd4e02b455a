"""Alerts: the open ones (firing or acknowledged) of a machine, line, area or site, most
severe first, as the alert list gives them to the asker."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import Field

from linewise.assistant import render
from linewise.assistant.intents import Asked, Intent, Plan, intent
from linewise.assistant.toolbox.common import areas_of, iso
from linewise.assistant.toolbox.scoping import (
    WHICH,
    ScopeParams,
    checked_scope,
    machine_ids,
    scope_args,
    scope_lines,
    zone_of,
)
from linewise.assistant.tools import ToolContext, ToolResult, tool
from linewise.domains.alerts import repository as alerts_repo
from linewise.domains.alerts.models import AlertState, Severity

OPEN_STATES = [AlertState.FIRING.value, AlertState.ACKNOWLEDGED.value]
RANK = {s.value: n for n, s in enumerate(Severity)}  # critical first


class AlertParams(ScopeParams):
    limit: int = Field(5, ge=1, le=50, description="how many of the most severe to list")


@tool(
    "open_alerts",
    "Open alerts (firing or acknowledged) of a machine, line, area or site, most severe "
    "first, then newest",
    AlertParams,
    "alerts:read",
)
def open_alerts(ctx: ToolContext, p: AlertParams) -> ToolResult:
    sc = checked_scope(ctx, p)
    # GET /alerts: open and acknowledged ones of the asker's areas (and site-wide ones).
    rows = alerts_repo.list_alerts(ctx.db, OPEN_STATES, areas_of(ctx), 1000)
    if p.scope != "site":
        machines, lines = set(machine_ids(sc)), set(scope_lines(ctx, sc) or [])
        area = sc.row.area_id if p.scope == "area" else None
        rows = [
            r
            for r in rows
            if r[0].machine_id in machines
            or (p.scope != "machine" and r[0].line_id in lines)
            or (area is not None and r[0].area_id == area)
        ]
    ordered = sorted(rows, key=lambda r: (RANK.get(r[0].severity, 9), -r[0].fired_at.timestamp()))
    severities = Counter(r[0].severity for r in ordered)
    facts: dict[str, Any] = {
        "scope": sc.row.code,
        "timezone": zone_of(sc),
        "open": len(ordered),
        "firing": sum(1 for r in ordered if r[0].state == AlertState.FIRING.value),
        "acknowledged": sum(1 for r in ordered if r[0].state == AlertState.ACKNOWLEDGED.value),
        "by_severity": {s.value: severities[s.value] for s in Severity if severities[s.value]},
        "alerts": [
            {
                "id": alert.id,
                "severity": alert.severity,
                "state": alert.state,
                "rule": rule.name,
                "kind": rule.kind,
                "subject": subject,
                "message": alert.message,
                "fired_at": iso(alert.fired_at),
            }
            for alert, subject, rule in ordered[: p.limit]
        ],
    }
    return ToolResult(facts, "GET /api/v1/alerts", "/alerts")


# --- intents ---------------------------------------------------------------------------


def _alert_args(asked: Asked) -> Plan:
    return "open_alerts", scope_args(asked)


def _alert_word(result: ToolResult, asked: Asked) -> str:
    f = result.facts
    if not f["open"]:
        return f"No alert is open in {f['scope']}."
    zone = f["timezone"]
    counts = ", ".join(f"{n} {s}" for s, n in f["by_severity"].items())
    parts = [
        f"{a['severity']}: {a['message']} ({a['state']} since {render.moment(a['fired_at'], zone)})"
        for a in f["alerts"]
    ]
    return (
        f"{f['open']} alerts are open in {f['scope']} ({counts}; {f['firing']} firing, "
        f"{f['acknowledged']} acknowledged), most severe first: " + "; ".join(parts) + "."
    )


intent(
    Intent(
        "open_alerts",
        (
            (
                r"\balerts?\b|\balarms?\b|\balerting\b|\bwarnings?\b|\bnotifications?\b"
                r"|\bandons?\b|\bescalat\w*|\bwhat(?:'s| is) (?:firing|burning|on fire)\b"
                r"|\bfiring\b|\bred flags?\b",
                2.0,
            ),
            (r"\bopen\b|\bactive\b|\bunacknowledged\b|\bcritical\b|\bsevere\b|" + WHICH, 0.3),
            (r"\bearly warnings?\b|\banomal\w*|\bout of control\b|\bspc\b", -1.5),
        ),
        ("scope",),
        _alert_args,
        _alert_word,
        summary="open alerts, most severe first",
    )
)
