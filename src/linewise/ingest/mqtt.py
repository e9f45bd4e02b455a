"""MQTT ingest: ``linewise/v1/{site}/{line}/{machine}/{kind}`` at QoS 1.

Messages are acknowledged (PUBACK) only after their events are committed, with a
persistent session (fixed client id, clean_session off), so the broker redelivers
whatever a crashed or restarted process had not acknowledged. When the recorder is full
the consumer stops acknowledging and waits; the broker's in-flight window then throttles
the publishers.

By default the subscription is a plain one: a broker with persistence keeps it in the
session, so it queues what devices publish while Linewise is down or reconnecting, even
across a broker restart. Several processes can instead join one shared subscription
(``$share/<group>/...``) and split the load, but only a broker that persists shared
subscriptions keeps that promise: Mosquitto 2.0 forgets them on restart and drops what is
published until the consumer subscribes again (docs/ingest.md has the table).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt

from linewise.ingest.events import DEFAULT_MAX_PAST, KINDS, Reject, decode, parse_body
from linewise.ingest.recorder import Overloaded, Recorder
from linewise.ingest.store import delivery_digest

log = logging.getLogger("linewise.mqtt")
TOPIC = "linewise/v1/+/+/+/+"
MAX_IN_FLIGHT = 2000
# Reconnect back-off. Kept short: with a shared subscription on a broker that forgets it
# on restart, everything published until we subscribe again is lost, so each second of
# waiting costs a second of data there.
FIRST_RETRY_S = 0.1
MAX_RETRY_S = 2.0


@dataclass(frozen=True)
class MqttSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool
    client_id: str
    share_group: str | None
    ca_file: str | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        client_id: str | None = None,
        share_group: str | None = None,
        ca_file: str | None = None,
        default_port: int = 8000,
    ) -> MqttSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts"):
            raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {url!r}")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            client_id=client_id or f"linewise-{socket.gethostname()}-{default_port}",
            share_group=share_group or None,
            ca_file=ca_file,
        )

    @property
    def subscription(self) -> str:
        return f"$share/{self.share_group}/{TOPIC}" if self.share_group else TOPIC


def topic_defaults(topic: str) -> dict[str, str] | None:
    """machine and type from ``linewise/v1/{site}/{line}/{machine}/{kind}``."""
    parts = topic.split("/")
    if len(parts) != 6 or parts[:2] != ["linewise", "v1"] or parts[5] not in KINDS:
        return None
    return {"machine": parts[4], "type": parts[5]}


class MqttIngest:
    def __init__(
        self,
        settings: MqttSettings,
        recorder: Recorder,
        max_future: timedelta,
        max_past: timedelta = DEFAULT_MAX_PAST,
    ) -> None:
        self.settings = settings
        self.recorder = recorder
        self.max_future = max_future
        self.max_past = max_past
        self.connected = asyncio.Event()
        self.messages = 0
        self.sessions = 0  # connections made; the first has no session to resume
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Consume until cancelled, reconnecting with back-off when the broker goes away."""
        delay = FIRST_RETRY_S
        while True:
            sessions = self.sessions
            try:
                await self._session()
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                if self.sessions != sessions:
                    delay = FIRST_RETRY_S  # it was connected: start the back-off afresh
                log.warning("MQTT connection lost (%s); reconnecting in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_S)
            else:
                delay = FIRST_RETRY_S

    async def _session(self) -> None:
        s = self.settings
        tls_context = None
        if s.tls:
            tls_context = ssl.create_default_context(cafile=s.ca_file)
        client = aiomqtt.Client(
            s.host,
            s.port,
            username=s.username,
            password=s.password,
            identifier=s.client_id,
            clean_session=False,
            tls_context=tls_context,
            keepalive=30,
        )
        # aiomqtt does not expose manual acknowledgement; paho underneath does. It must be
        # on before connecting: a resumed session's queued messages follow the CONNACK at
        # once, and paho acknowledges on receipt whatever arrives while it is off.
        client._client.manual_ack_set(True)
        client.pending_calls_threshold = 10_000
        session_present = self._watch_session_flag(client)
        async with client:
            self.sessions += 1
            # Subscribe on every connection, resumed session or not: a broker that lost the
            # session (or, like Mosquitto, keeps the session but not its shared
            # subscriptions) delivers nothing until we do, so do it before anything else.
            await client.subscribe(s.subscription, qos=1)
            self.connected.set()
            if self.sessions > 1 and not session_present():
                log.warning(
                    "MQTT broker %s:%s kept no session for %s: messages published while "
                    "Linewise was disconnected were not queued for it",
                    s.host,
                    s.port,
                    s.client_id,
                )
            log.info("MQTT ingest subscribed to %s on %s:%s", s.subscription, s.host, s.port)
            async for message in client.messages:
                await self._slots.acquire()
                task = asyncio.create_task(self._handle(client, message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _watch_session_flag(client: aiomqtt.Client) -> Callable[[], bool]:
        """The CONNACK's session-present flag, which aiomqtt does not pass on."""
        present = [False]
        on_connect = client._client.on_connect

        def record(*args: Any) -> None:
            flags = args[2]
            present[0] = bool(getattr(flags, "session_present", False))
            if on_connect is not None:
                on_connect(*args)

        client._client.on_connect = record
        return lambda: present[0]

    async def _handle(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        try:
            topic = str(message.topic)
            body = (
                message.payload
                if isinstance(message.payload, bytes)
                else str(message.payload).encode()
            )
            defaults = topic_defaults(topic)
            if defaults is None:
                items: list[object] = []
                rejects = [
                    Reject(
                        body[:2000].decode("utf-8", "replace"),
                        f"topic: '{topic}' is not linewise/v1/{{site}}/{{line}}/"
                        "{machine}/{state|count|telemetry}",
                        "topic",
                    )
                ]
            else:
                items, rejects = parse_body(body)
            events, bad = await asyncio.to_thread(  # CPU work: off the event loop
                decode,
                list(items),
                max_future=self.max_future,
                max_past=self.max_past,
                defaults=defaults,
            )
            source = f"mqtt:{topic}"
            delivery = delivery_digest(source, body)
            delay = 0.1
            while True:
                try:
                    future = self.recorder.submit(events, rejects + bad, source, delivery)
                    await asyncio.wrap_future(future)
                    break
                except Overloaded as exc:
                    await asyncio.sleep(exc.retry_after * 0.1)
                except Exception:
                    # The database failed (down, or a conflict that outlived the retries):
                    # keep the message unacknowledged and try again, since the broker
                    # redelivers only after a reconnect.
                    log.exception("MQTT message on %s not stored; retrying", topic)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
            self.messages += 1
            if message.qos > 0:
                client._client.ack(message.mid, message.qos)
        except Exception:
            # Not acknowledged: the broker redelivers it after reconnecting.
            log.exception("MQTT message on %s not stored", message.topic)
        finally:
            self._slots.release()

    async def drain(self) -> None:
        """Wait for in-flight messages (on shutdown)."""
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks)
