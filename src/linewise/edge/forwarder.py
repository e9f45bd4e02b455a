"""Send buffered events to ``POST /api/v1/ingest``, oldest first, one batch at a time.

A batch leaves the buffer only when the server answered 200, which it does only after the
events are committed. Anything else keeps it buffered: connection errors, 5xx and 429 are
retried with bounded back-off (honouring Retry-After); a bad key is retried slowly so that
fixing the key on the server heals the agent without a restart. Because batches go one at
a time in sequence order, the server sees events in the order they were observed, and an
answer lost on the way back only causes a replay that the server counts as duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import httpx

from linewise.edge.backoff import Backoff
from linewise.edge.buffer import Buffer
from linewise.edge.config import BackoffConfig

log = logging.getLogger("linewise.edge.forwarder")
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class Forwarder:
    def __init__(
        self,
        buffer: Buffer,
        *,
        url: str,
        device_key: str,
        backoff: BackoffConfig,
        batch_size: int = 500,
        timeout_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.buffer = buffer
        self.endpoint = url.rstrip("/") + "/api/v1/ingest"
        self.batch_size = batch_size
        self._headers = {
            "Authorization": f"Bearer {device_key}",
            "Content-Type": "application/json",
        }
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._backoff = Backoff(backoff.initial_s, backoff.max_s)
        self._wake = asyncio.Event()
        self.online = True  # until proven otherwise, so the first failure is logged
        self.sent = 0
        self.duplicates = 0

    def wake(self) -> None:
        """New events were buffered: send now instead of at the next idle check."""
        self._wake.set()

    async def run(self) -> None:
        """Forward until cancelled."""
        try:
            while True:
                delay = await self.send_once()
                if delay is None:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                elif delay:
                    await asyncio.sleep(delay)
        finally:
            await self._client.aclose()

    async def send_once(self) -> float | None:
        """Try the oldest batch; None if there was nothing to send, else the wait before
        the next attempt (0: delivered, go on)."""
        batch = self.buffer.peek(self.batch_size)
        if not batch:
            return None
        return await self._send([s.body for s in batch], [s.seq for s in batch])

    async def _send(self, bodies: list[dict[str, Any]], seqs: list[int]) -> float:
        """Try one batch; return how long to wait before the next attempt (0: go on)."""
        payload = json.dumps(bodies, separators=(",", ":")).encode()
        try:
            response = await self._client.post(
                self.endpoint, content=payload, headers=self._headers
            )
        except httpx.HTTPError as exc:
            return self._failed(f"server unreachable ({type(exc).__name__}: {exc})")
        status = response.status_code
        if status == 200:
            self._delivered(response, seqs)
            return 0.0
        if status == 413 and self.batch_size > 1:
            self.batch_size = max(1, self.batch_size // 2)
            log.warning("server says the batch is too large; sending %d per batch", self.batch_size)
            return 0.0
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if status in RETRYABLE:
            return self._failed(f"server busy or failing (HTTP {status})", retry_after)
        if status in (401, 403):
            reason = f"device key refused (HTTP {status}): check server.device_key"
            return self._failed(reason, self._backoff.max_s, level=logging.ERROR)
        # a request the server will never take as it is; keep it, say so loudly, retry slowly
        reason = f"server refused the batch (HTTP {status}: {response.text[:300]})"
        return self._failed(reason, self._backoff.max_s, level=logging.ERROR)

    def _delivered(self, response: httpx.Response, seqs: list[int]) -> None:
        self.buffer.ack(seqs)
        self._backoff.reset()
        try:
            result = response.json()
        except ValueError:
            result = {}
        self.sent += int(result.get("accepted", 0))
        self.duplicates += int(result.get("duplicates", 0))
        for reject in result.get("rejected", []):
            # the server quarantined it with the reason; resending would not change that
            log.warning("server quarantined event %s: %s", reject.get("id"), reject.get("reason"))
        if not self.online:
            log.warning("server reachable again: replaying %d buffered events", len(self.buffer))
        self.online = True

    def _failed(self, reason: str, at_least: float = 0.0, level: int = logging.WARNING) -> float:
        delay = self._backoff.next_delay(at_least)
        if self.online or level >= logging.ERROR:
            log.log(
                level,
                "%s; buffering (%d events waiting), retry in %.2f s",
                reason,
                len(self.buffer),
                delay,
            )
        else:
            log.debug("%s; retry in %.2f s", reason, delay)
        self.online = False
        return delay


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: rare for ingest; our own back-off is good enough
