"""Signed webhooks, and chat and SMS gateways as webhooks with a JSON body template.

The signature is HMAC-SHA256 over ``"<timestamp>.<body>"`` with the webhook's secret,
sent as ``X-Linewise-Signature: sha256=<hex>`` beside ``X-Linewise-Timestamp`` (Unix
seconds): a receiver recomputes it and refuses old timestamps, so a captured request
cannot be replayed later (the scheme Stripe and GitHub use).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping

import httpx

SIGNATURE_HEADER = "X-Linewise-Signature"
TIMESTAMP_HEADER = "X-Linewise-Timestamp"
# The outbox row's id: a redelivery after a crash carries the same one (dedupe on it).
DELIVERY_HEADER = "X-Linewise-Delivery"
SEND_TIMEOUT_S = 10.0
TOLERANCE_S = 300

# The default body per kind; {{name}} is replaced by the value, JSON-escaped (put string
# placeholders inside quotes). Names: subject, text, severity, alert_id, count.
DEFAULT_TEMPLATES = {
    "webhook": (
        '{"alert_id": {{alert_id}}, "severity": "{{severity}}", "subject": "{{subject}}", '
        '"text": "{{text}}", "count": {{count}}}'
    ),
    "chat": '{"text": "*{{subject}}*\\n{{text}}"}',
    "sms": '{"to": "+10000000000", "text": "{{subject}}"}',
}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
SAMPLE: dict[str, str | int] = {
    "subject": "s",
    "text": "t",
    "severity": "high",
    "alert_id": 1,
    "count": 1,
}


def render(template: str, values: Mapping[str, str | int]) -> str:
    """The template with each {{name}} replaced; strings are JSON-escaped (no quotes)."""

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        if isinstance(value, int):
            return str(value)
        return json.dumps(value)[1:-1]

    return _PLACEHOLDER.sub(one, template)


def template_problem(template: str) -> str | None:
    """Why a template cannot be used (not JSON once filled in), or None."""
    unknown = {m.group(1) for m in _PLACEHOLDER.finditer(template)} - set(SAMPLE)
    if unknown:
        return f"unknown placeholder {sorted(unknown)[0]!r}"
    try:
        json.loads(render(template, SAMPLE))
    except ValueError as exc:
        return f"not JSON once filled in: {exc}"
    return None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str, now: float) -> bool:
    """What a receiver does: a fresh timestamp and the same signature."""
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def post(url: str, secret: str, body: str, timestamp: int, delivery: str = "") -> None:
    """POST the body, signed; raises on a refusal (the job is then retried with backoff)."""
    data = body.encode()
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, data),
        DELIVERY_HEADER: delivery,
    }
    response = httpx.post(url, content=data, headers=headers, timeout=SEND_TIMEOUT_S)
    response.raise_for_status()
