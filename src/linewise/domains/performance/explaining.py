"""Explain a KPI answer down to the events: elements, counts, PRUs, formulas and links.

The engine labels its sources; here each label becomes a link a client can follow:
state intervals by machine and bounds (their row ids change when ingest rebuilds them),
count events by machine and event id, shifts and breaks by their calendar label.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from linewise.domains.performance.service import (
    Scope,
    compute,
    data_quality,
    line_block,
    summary,
)
from linewise.domains.performance.windows import ResolvedWindow
from linewise.kpi import Convention, explain

API = "/api/v1"


def link(label: str) -> dict[str, Any]:
    """A structured link for one engine source label."""
    kind, _, rest = label.partition(":")
    if kind == "interval":
        machine, _, bounds = rest.partition(":")
        start, _, end = bounds.partition("/")
        href = f"{API}/machines/{machine}/intervals?from={start}"
        if end != "open":
            href += f"&to={end}"
        return {
            "kind": "interval",
            "machine_id": int(machine),
            "start": start,
            "end": None if end == "open" else end,
            "href": href.replace("+", "%2B"),
        }
    if kind == "count":
        machine, _, event_id = rest.partition(":")
        return {"kind": "count", "machine_id": int(machine), "event_id": event_id}
    if kind == "no data":
        start, _, end = rest.partition("/")
        return {"kind": "no_data", "start": start, "end": end}
    if "@" in label:
        return {"kind": "break" if "/break" in label else "shift", "label": label}
    return {"kind": "other", "label": label}


def explain_scope(
    db: Session,
    scope: Scope,
    resolved: ResolvedWindow,
    convention: Convention,
    now: datetime,
    source_limit: int,
) -> dict[str, Any]:
    computed = compute(db, scope, resolved.window, convention, now, use_rollups=False)
    body = explain(computed.total)
    sources: dict[str, Any] = {}
    for element, labels in body.pop("sources").items():
        sources[element] = {
            "total": len(labels),
            "links": [link(lb) for lb in labels[:source_limit]],
            "truncated": len(labels) > source_limit,
        }
    body["sources"] = sources
    stops = body.pop("stops")
    body["stops"] = {
        "total": len(stops),
        "items": [
            {**s, "intervals": [link(i) for i in s["intervals"]]} for s in stops[:source_limit]
        ],
        "truncated": len(stops) > source_limit,
    }
    body["scope"] = scope.as_dict()
    body["window"] = resolved.as_dict(scope.calendars.timezone)
    body["counts_rule"] = (
        "PQ = good + reject; GQ = good (reworked units are good); SQ = reject; RQ = rework; "
        "IP = PQ; GP = good − rework. PRU = line cycle of the product's routing step × the "
        "machine's speed factor."
    )
    body["warnings"] = computed.warnings
    body["data_quality"] = data_quality(computed.total)
    if scope.row.kind != "machine":
        body["machines"] = [
            {"id": m.id, "code": m.code, "line_id": m.line_id, **summary(e)}
            for m, e in computed.machines
        ]
        body["lines"] = [line_block(i, line) for i, line in computed.lines]
    return body
