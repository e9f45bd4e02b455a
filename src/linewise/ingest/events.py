"""Decode machine events (ingest protocol v1) into frozen, validated records.

Decoding never raises for one bad event: it returns the good events and a reject per bad
one, naming the field, so one broken record never costs the valid ones beside it. Types
are strict (a count is an integer, not ``true`` or ``"12"``; ``ts`` is an RFC 3339 string
with an offset, not a Unix number), numbers are finite, text is single-line, and ``ts``
lies within the configured window around now; everything else is refused by field.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from linewise.core.text import refuse_control_characters
from linewise.core.time import utcnow

STATES = ("producing", "setup", "idle", "down", "planned_stop", "offline")
KINDS = ("state", "count", "telemetry", "inspection")
DEFAULT_MAX_FUTURE = timedelta(minutes=5)
# The edge agent replays what it buffered during an outage; a month covers a long one.
DEFAULT_MAX_PAST = timedelta(days=30)
# Events are at most three levels deep (array, event, signals); an element of an array
# nested deeper than this is refused without parsing it.
MAX_DEPTH = 16
INT32_MAX = 2**31 - 1  # routing steps are 32-bit integers in the database
CHUNK = 500  # events validated per call (a few milliseconds each)
# Most events in one request or message. Each item costs far more parsed than as text,
# and each refused one a quarantine row: a body of 16 MiB of `0,` must not become eight
# million of either.
MAX_EVENTS = 100_000
_FIELD_CHARS = 60  # the quarantine's field column


def _rfc3339(value: object) -> datetime:
    """An RFC 3339 timestamp string with an offset, as an aware UTC datetime."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise PydanticCustomError(
            "rfc3339",
            "must be an RFC 3339 timestamp string with an offset, e.g. 2026-11-22T08:00:00Z",
        )
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise PydanticCustomError("rfc3339", "is not a valid date and time") from None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 with +14:00, year 9999 with -14:00
        raise PydanticCustomError("rfc3339", "is out of range (no UTC value)") from None


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d{1,9})?([Zz]|[+-]\d\d:\d\d)")
Timestamp = Annotated[datetime, BeforeValidator(_rfc3339)]
# Single-line text: ids and codes end up in PostgreSQL (no NUL), logs and XLSX exports.
Text = Annotated[str, AfterValidator(refuse_control_characters)]
EventId = Annotated[Text, Field(min_length=1, max_length=80)]
Code = Annotated[Text, Field(min_length=1, max_length=60)]
Label = Annotated[Text, Field(max_length=60)]
Quantity = Annotated[int, Field(ge=0, le=1_000_000)]


class _Event(BaseModel):
    # strict: no coercion of "12" or true to numbers; no NaN or infinities.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    id: EventId
    ts: Timestamp
    machine: Code


class StateIn(_Event):
    type: Literal["state"]
    state: Literal["producing", "setup", "idle", "down", "planned_stop", "offline"]
    reason: Label | None = None
    fault: Label | None = None


class CountIn(_Event):
    type: Literal["count"]
    good: Quantity
    reject: Quantity = 0
    rework: Quantity = 0
    order: Code | None = None
    operation: int | None = Field(None, ge=1, le=INT32_MAX)
    product: Code | None = None


class TelemetryIn(_Event):
    type: Literal["telemetry"]
    signals: dict[Code, float] = Field(min_length=1, max_length=1000)
    units: dict[Code, Label] | None = Field(None, max_length=1000)


class InspectionDefectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    code: Code
    ref: Annotated[Text, Field(min_length=1, max_length=40)] | None = None
    quantity: int = Field(1, ge=1, le=100_000)


class InspectionIn(_Event):
    """A result of a test or inspection machine (AOI, SPI, ICT, FCT): a unit by serial
    (or a count of units), pass/fail, measured values and attribute verdicts by
    characteristic name, defects
    with their code and, for boards, the reference designator."""

    type: Literal["inspection"]
    method: Literal["aoi", "spi", "ict", "fct"]
    product: Code
    step: int = Field(ge=1, le=INT32_MAX)
    plan: Label | None = None
    serial: EventId | None = None
    lot: EventId | None = None
    quantity: int = Field(1, ge=1, le=1_000_000)
    passed: bool
    passed_quantity: Quantity | None = None
    values: dict[Code, float] = Field(default_factory=dict, max_length=500)
    # pass/fail of attribute characteristics by name (values are for variables)
    verdicts: dict[Code, bool] = Field(default_factory=dict, max_length=500)
    defects: list[InspectionDefectIn] = Field(default_factory=list, max_length=1000)


Event = StateIn | CountIn | TelemetryIn | InspectionIn
_adapter: TypeAdapter[Event] = TypeAdapter(
    Annotated[StateIn | CountIn | TelemetryIn | InspectionIn, Field(discriminator="type")]
)


_list_adapter: TypeAdapter[list[Event]] = TypeAdapter(
    list[Annotated[StateIn | CountIn | TelemetryIn | InspectionIn, Field(discriminator="type")]]
)


def _storable(text: str) -> str:
    # PostgreSQL text holds neither NUL nor lone surrogates: keep them visible as escapes.
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Reject:
    """One event that was refused, with enough to find and fix it."""

    payload: str
    reason: str
    field: str | None = None
    event_id: str | None = None

    def __post_init__(self) -> None:
        # Whatever a device sent, the quarantine row must be writable.
        object.__setattr__(self, "payload", _storable(self.payload))
        object.__setattr__(self, "reason", _storable(self.reason))
        if self.field is not None:
            object.__setattr__(self, "field", _storable(self.field)[:_FIELD_CHARS])
        if self.event_id is not None:
            object.__setattr__(self, "event_id", _storable(self.event_id)[:80])

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.event_id, "field": self.field, "reason": self.reason}


# Strings (with their escapes) are skipped whole, so brackets inside them do not count.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)


class _TooManyEvents(Exception):
    pass


def _split_array(text: str) -> list[tuple[str, int]] | None:
    """The elements of a JSON array as (text, depth), without parsing them; None if the
    brackets do not balance (the body cannot be split safely)."""
    depth = deepest = 0
    start = 0
    out: list[tuple[str, int]] = []
    for token in _TOKENS.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth == 1:
                start = token.end()
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
            if depth == 0:
                out.append((text[start : token.start()], deepest - 1))
                return out if not text[token.end() :].strip() else None
        elif char == "," and depth == 1:
            out.append((text[start : token.start()], deepest - 1))
            start, deepest = token.end(), 1
            if len(out) > MAX_EVENTS:
                raise _TooManyEvents
    return None


def _loads(text: str) -> Any:
    """json.loads, with every way it fails (a syntax error, nesting beyond the recursion
    limit, an integer of more than 4,300 digits) as ValueError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _array_items(text: str) -> tuple[list[Any], list[Reject]]:
    """Each element of an array that failed to parse as a whole, on its own."""
    elements = _split_array(text)
    if elements is None:
        return [], [Reject(text[:2000], "body is not valid JSON", "body")]
    items: list[Any] = []
    rejects: list[Reject] = []
    for number, (element, depth) in enumerate(elements, start=1):
        try:
            if depth > MAX_DEPTH:
                raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
            items.append(_loads(element))
        except ValueError as exc:
            rejects.append(
                Reject(element.strip()[:2000], f"body: element {number} is not JSON: {exc}", "body")
            )
    return items, rejects


def parse_body(body: bytes, content_type: str = "") -> tuple[list[Any], list[Reject]]:
    """A JSON array, one JSON object, or NDJSON (one object per line)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        items, rejects = _parse_text(text, content_type)
        if len(items) + len(rejects) > MAX_EVENTS:
            raise _TooManyEvents
    except _TooManyEvents:
        reason = f"body: more than {MAX_EVENTS} events in one request; send smaller batches"
        return [], [Reject(text[:2000], reason, "body")]
    return items, rejects


def _parse_text(text: str, content_type: str) -> tuple[list[Any], list[Reject]]:
    if not text:
        return [], []
    if "ndjson" not in content_type and text[0] in "[{":
        # An event has at most three objects (itself, signals, units): far more braces
        # than that is refused before parsing builds millions of dicts.
        if text.count("{") > 3 * MAX_EVENTS:
            raise _TooManyEvents
        try:
            data = _loads(text)
            return (data if isinstance(data, list) else [data]), []
        except ValueError:
            if text[0] == "[":  # one bad element must not cost the others
                return _array_items(text)
    items: list[Any] = []
    rejects: list[Reject] = []
    # Line by line without a list of all lines first; only \n and \r end a line (JSON
    # strings may hold U+2028 and other separators that str.splitlines would split on).
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if not line.strip():
            continue
        if len(items) + len(rejects) >= MAX_EVENTS:
            raise _TooManyEvents
        try:
            items.append(_loads(line))
        except ValueError as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            rejects.append(Reject(line[:2000], f"line {number} is not JSON: {msg}", "body"))
    return items, rejects


@dataclass(frozen=True)
class Window:
    """The instants an event's ``ts`` may take: a clock gone wrong is refused either way."""

    max_future: timedelta = DEFAULT_MAX_FUTURE
    max_past: timedelta = DEFAULT_MAX_PAST

    def bounds(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        now = now or utcnow()
        try:
            earliest = now - self.max_past
        except OverflowError:
            earliest = datetime.min.replace(tzinfo=UTC)
        try:
            latest = now + self.max_future
        except OverflowError:
            latest = datetime.max.replace(tzinfo=UTC)
        return earliest, latest

    def refusal(self, ts: datetime, earliest: datetime, latest: datetime) -> str | None:
        if ts > latest:
            return (
                f"ts: {ts.isoformat()} is too far in the future (more than "
                f"{int(self.max_future.total_seconds())} s ahead; check the clock)"
            )
        if ts < earliest:
            return (
                f"ts: {ts.isoformat()} is too far in the past (more than "
                f"{int(self.max_past.total_seconds())} s ago, setting "
                "LINEWISE_INGEST_MAX_PAST_S; check the clock)"
            )
        return None


def _field_path(loc: tuple[int | str, ...]) -> list[str]:
    path = [str(p) for p in loc]
    if path and path[0] in KINDS:  # the discriminated union puts the tag first
        path = path[1:]
    return path


def _refusal(item: Any, exc: ValidationError) -> Reject:
    """The reject for an item that failed validation, naming its first bad field."""
    raw_id = item.get("id") if isinstance(item, dict) else None
    event_id = raw_id if isinstance(raw_id, str) and raw_id else None
    err = exc.errors(include_input=False, include_url=False)[0]
    path = _field_path(err["loc"])
    # A field name is whatever the device sent: keep it short in the reason too.
    field = ".".join(path)[:_FIELD_CHARS] if path else "event"
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field, msg = "type", f"must be one of {', '.join(KINDS)}"
    elif err["type"] in ("model_type", "model_attributes_type") and not path:
        field, msg = "event", "must be a JSON object"
    else:
        msg = err["msg"].removeprefix("Value error, ")
    return Reject(_dump(item), f"{field}: {msg}", field, event_id)


def decode(
    items: list[Any],
    *,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
    max_past: timedelta = DEFAULT_MAX_PAST,
    defaults: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[list[Event], list[Reject]]:
    """Validate each item on its own; ``defaults`` fills fields a topic already says.

    Items are validated a chunk at a time, several times faster than one by one; a chunk
    with a bad item in it is validated again item by item so each gets its own reject.
    Chunks are small so that no single call holds the interpreter lock for long: other
    threads (the event loop of the server) keep running while a large batch is decoded.
    """
    window = Window(max_future, max_past)
    earliest, latest = window.bounds(now)
    events: list[Event] = []
    rejects: list[Reject] = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        if defaults:
            chunk = [{**defaults, **item} if isinstance(item, dict) else item for item in chunk]
        try:
            valid: list[Event | Reject] = list(_list_adapter.validate_python(chunk))
        except ValidationError:
            valid = []
            for item in chunk:
                try:
                    valid.append(_adapter.validate_python(item))
                except ValidationError as exc:
                    valid.append(_refusal(item, exc))
        for item, event in zip(chunk, valid, strict=True):
            if isinstance(event, Reject):
                rejects.append(event)
                continue
            refused = window.refusal(event.ts, earliest, latest)
            if refused is not None:
                rejects.append(Reject(_dump(item), refused, "ts", event.id))
                continue
            events.append(event)
    return events, rejects


def _dump(item: Any) -> str:
    try:
        return json.dumps(item, default=str)[:4000]
    except (TypeError, ValueError, RecursionError):
        try:
            return repr(item)[:4000]
        except RecursionError:
            return "(nested too deeply to show)"


def decode_body(
    body: bytes,
    content_type: str = "",
    *,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
    max_past: timedelta = DEFAULT_MAX_PAST,
) -> tuple[list[Event], list[Reject]]:
    """Parse and validate a request body. CPU-bound: call it off the event loop.

    Parsing is json.loads (fast C); validation goes a chunk at a time (see ``decode``).
    Validating the whole body in one call straight from the bytes is no faster and holds
    the interpreter lock for the whole batch (most of a second for 100,000 events).
    """
    items, rejects = parse_body(body, content_type)
    now = utcnow()
    events: list[Event] = []
    while items:
        # Parsed items are dropped as soon as they are validated: fewer objects alive
        # means shorter pauses of the garbage collector, which stop every thread.
        chunk = items[:CHUNK]
        del items[:CHUNK]
        good, bad = decode(chunk, max_future=max_future, max_past=max_past, now=now)
        events += good
        rejects += bad
    return events, rejects
