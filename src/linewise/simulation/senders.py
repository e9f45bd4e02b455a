"""Where simulated events go: the HTTP ingest API, an MQTT broker, or an NDJSON file.

Each sink takes time-ordered batches. The network sinks behave like a well-mannered
device: HTTP honours 429/503 ``Retry-After`` by waiting and resending the same batch
(the server is idempotent on event ids, so a resend after a lost answer is harmless);
MQTT publishes at QoS 1 on ``linewise/v1/{site}/{line}/{machine}/{kind}``.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol
from urllib.parse import urlsplit

import aiomqtt
import httpx

from linewise.simulation.events import Event, topic_for

Sleep = Callable[[float], Awaitable[None]]


class Sink(Protocol):
    async def send(self, events: Sequence[Event]) -> None: ...

    async def aclose(self) -> None: ...


class SendError(RuntimeError):
    """A batch could not be delivered after all attempts."""


class NdjsonSink:
    """One JSON event per line: replayable later with ``curl --data-binary @file``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self.sent = 0

    async def send(self, events: Sequence[Event]) -> None:
        self._file.writelines(json.dumps(e, separators=(",", ":")) + "\n" for e in events)
        self.sent += len(events)

    async def aclose(self) -> None:
        self._file.close()


def retry_delay(header: str | None, attempt: int, now: datetime | None = None) -> float:
    """Seconds to wait: the server's ``Retry-After`` (seconds or HTTP date), else backoff."""
    if header:
        text = header.strip()
        try:
            return max(0.0, float(text))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return float(min(30.0, 0.5 * math.pow(2, attempt)))


class HttpSink:
    """POSTs each batch as a JSON array to ``{url}/api/v1/ingest`` with a device key."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        client: httpx.AsyncClient | None = None,
        max_attempts: int = 12,
        sleep: Sleep = asyncio.sleep,
        timeout_s: float = 30.0,
    ) -> None:
        self.endpoint = url.rstrip("/") + "/api/v1/ingest"
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._max_attempts = max_attempts
        self._sleep = sleep
        self.sent = 0
        self.retries = 0

    async def send(self, events: Sequence[Event]) -> None:
        if not events:
            return
        body = json.dumps(list(events), separators=(",", ":")).encode()
        for attempt in range(self._max_attempts):
            try:
                response = await self._client.post(
                    self.endpoint, content=body, headers=self._headers
                )
            except httpx.TransportError:
                if attempt + 1 == self._max_attempts:
                    raise
                self.retries += 1
                await self._sleep(retry_delay(None, attempt))
                continue
            if response.status_code in (429, 503):
                self.retries += 1
                await self._sleep(retry_delay(response.headers.get("Retry-After"), attempt))
                continue
            if response.is_error:
                raise SendError(
                    f"ingest refused a batch: HTTP {response.status_code} {response.text[:300]}"
                )
            self.sent += len(events)
            return
        raise SendError(f"ingest still busy after {self._max_attempts} attempts")

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()


class MqttSink:
    """Publishes at QoS 1; consecutive events of one topic in a batch go as one array."""

    def __init__(
        self,
        url: str,
        site: str,
        line_of: dict[str, str],
        *,
        identifier: str | None = None,
        group: bool = True,
    ) -> None:
        parts = urlsplit(url if "://" in url else f"mqtt://{url}")
        if parts.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r} (use mqtt://)")
        self._client = aiomqtt.Client(
            parts.hostname or "127.0.0.1",
            parts.port or 1883,
            username=parts.username,
            password=parts.password,
            identifier=identifier,
        )
        self._client.pending_calls_threshold = 100_000
        self.site, self.line_of, self.group = site, line_of, group
        self.sent = 0

    async def __aenter__(self) -> MqttSink:
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.__aexit__(exc_type, exc, tb)

    async def send(self, events: Sequence[Event]) -> None:
        runs: list[tuple[str, list[Event]]] = []
        for event in events:
            topic = topic_for(event, self.site, self.line_of)
            if self.group and runs and runs[-1][0] == topic:
                runs[-1][1].append(event)
            else:
                runs.append((topic, [event]))
        for topic, items in runs:
            payload = json.dumps(items if len(items) > 1 else items[0], separators=(",", ":"))
            await self._client.publish(topic, payload, qos=1)
        self.sent += len(events)

    async def aclose(self) -> None:
        await self.__aexit__(None, None, None)
