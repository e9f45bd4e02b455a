"""Decode machine events (ingest protocol v1) into frozen, validated records.

Decoding never raises for one bad event: it returns the good events and a reject per bad
one, naming the field, so one broken record never costs the valid ones beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from linewise.core.time import utcnow

STATES = ("producing", "setup", "idle", "down", "planned_stop", "offline")
KINDS = ("state", "count", "telemetry")
EventId = Annotated[str, Field(min_length=1, max_length=80)]
Code = Annotated[str, Field(min_length=1, max_length=60)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: EventId
    ts: AwareDatetime
    machine: Code


class StateIn(_Event):
    type: Literal["state"]
    state: Literal["producing", "setup", "idle", "down", "planned_stop", "offline"]
    reason: Annotated[str, Field(max_length=60)] | None = None
    fault: Annotated[str, Field(max_length=60)] | None = None


class CountIn(_Event):
    type: Literal["count"]
    good: int = Field(ge=0, le=1_000_000)
    reject: int = Field(0, ge=0, le=1_000_000)
    rework: int = Field(0, ge=0, le=1_000_000)
    order: Code | None = None
    operation: int | None = Field(None, ge=1)
    product: Code | None = None


class TelemetryIn(_Event):
    type: Literal["telemetry"]
    signals: dict[Annotated[str, Field(min_length=1, max_length=60)], float] = Field(min_length=1)
    units: dict[str, str] | None = None


Event = StateIn | CountIn | TelemetryIn
_adapter: TypeAdapter[Event] = TypeAdapter(
    Annotated[StateIn | CountIn | TelemetryIn, Field(discriminator="type")]
)


_list_adapter: TypeAdapter[list[Event]] = TypeAdapter(
    list[Annotated[StateIn | CountIn | TelemetryIn, Field(discriminator="type")]]
)


@dataclass(frozen=True)
class Reject:
    """One event that was refused, with enough to find and fix it."""

    payload: str
    reason: str
    field: str | None = None
    event_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.event_id, "field": self.field, "reason": self.reason}


def parse_body(body: bytes, content_type: str = "") -> tuple[list[Any], list[Reject]]:
    """A JSON array, one JSON object, or NDJSON (one object per line)."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return [], []
    if "ndjson" not in content_type and text[0] in "[{":
        try:
            data = json.loads(text)
            return (data if isinstance(data, list) else [data]), []
        except json.JSONDecodeError:
            if text[0] == "[":  # a broken array cannot be split safely: refuse it whole
                return [], [Reject(text[:2000], "body is not valid JSON", "body")]
    items: list[Any] = []
    rejects: list[Reject] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as exc:
            rejects.append(Reject(line[:2000], f"line {number} is not JSON: {exc.msg}", "body"))
    return items, rejects


def decode(
    items: list[Any],
    *,
    max_future: timedelta = timedelta(minutes=5),
    defaults: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[list[Event], list[Reject]]:
    """Validate each item on its own; ``defaults`` fills fields a topic already says."""
    limit = (now or utcnow()) + max_future
    events: list[Event] = []
    rejects: list[Reject] = []
    for item in items:
        if defaults and isinstance(item, dict):
            item = {**defaults, **item}
        event_id = item.get("id") if isinstance(item, dict) else None
        try:
            event = _adapter.validate_python(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = [str(p) for p in err["loc"]]
            if loc and loc[0] in KINDS:  # the discriminated union puts the tag first
                loc = loc[1:]
            field = loc[0] if loc else "event"
            if err["type"] == "union_tag_invalid" or err["type"] == "union_tag_not_found":
                field, msg = "type", f"must be one of {', '.join(KINDS)}"
            else:
                msg = err["msg"]
            rejects.append(
                Reject(_dump(item), f"{field}: {msg}", field, str(event_id) if event_id else None)
            )
            continue
        if event.ts > limit:
            rejects.append(
                Reject(
                    _dump(item),
                    f"ts: {event.ts.isoformat()} is too far in the future "
                    f"(more than {int(max_future.total_seconds())} s ahead; check the clock)",
                    "ts",
                    event.id,
                )
            )
            continue
        events.append(event)
    return events, rejects


def _dump(item: Any) -> str:
    try:
        return json.dumps(item, default=str)[:4000]
    except (TypeError, ValueError):
        return repr(item)[:4000]


def decode_body(
    body: bytes, content_type: str = "", *, max_future: timedelta = timedelta(minutes=5)
) -> tuple[list[Event], list[Reject]]:
    """Parse and validate a request body.

    The common case (a JSON array of valid events) is validated in one pass straight from
    the bytes, several times faster than event by event; if anything in it is wrong, the
    body is decoded again item by item so each bad event gets its own reject.
    """
    if "ndjson" not in content_type and body.lstrip()[:1] == b"[":
        try:
            events = _list_adapter.validate_json(body)
        except ValidationError:
            pass
        else:
            limit = utcnow() + max_future
            if all(e.ts <= limit for e in events):
                return events, []
    items, rejects = parse_body(body, content_type)
    events, bad = decode(items, max_future=max_future)
    return events, rejects + bad
