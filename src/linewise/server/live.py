"""The live hub: WebSocket ``/api/v1/live`` sends a snapshot on connect, then diffs.

One pump task reads what changed (notices from the bus, coalesced for a few
milliseconds so a burst of batches costs one query) and fans it out to the clients,
each filtered to the user's areas. Snapshots are read by the same pump, in order with
the diffs, so a client never applies a diff older than its snapshot. A client too slow
to keep up is disconnected; on reconnect it gets a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from linewise.api.deps import (
    SESSION_COOKIE,
    Principal,
    principal_from_bearer,
    principal_from_session,
)
from linewise.core.bus import Bus, MachineChanges
from linewise.core.db import read_only_factory
from linewise.core.errors import Problem
from linewise.core.security import roles_for
from linewise.domains.alerts.events import AlertChanged
from linewise.domains.labour.events import AllocationChanged
from linewise.domains.production.events import OperationEvent
from linewise.domains.terminal.events import AndonChanged
from linewise.ingest.floor import floor_snapshot, machine_rows, running_orders

log = logging.getLogger("linewise.live")
router = APIRouter()
COALESCE_S = 0.02
CLIENT_QUEUE = 256


@dataclass(eq=False)
class LiveClient:
    area_ids: frozenset[int] | None
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(CLIENT_QUEUE)
    )
    ready: bool = False
    # The loop serving this client's socket. Normally the hub's own loop; test clients
    # and embedded servers may run each connection on another one.
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)

    def sees(self, area_id: int) -> bool:
        return self.area_ids is None or area_id in self.area_ids


@dataclass(frozen=True)
class _SnapshotRequest:
    client: LiveClient


class LiveHub:
    def __init__(self, session_factory: sessionmaker[Session], bus: Bus) -> None:
        self.session_factory = session_factory
        self.bus = bus
        self.clients: set[LiveClient] = set()
        self._queue: asyncio.Queue[MachineChanges | _SnapshotRequest] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._unsubscribe = [
            self.bus.subscribe(self._on_change, MachineChanges),
            self.bus.subscribe(self._on_operation, OperationEvent),
            self.bus.subscribe(self._on_andon, AndonChanged),
            self.bus.subscribe(self._on_alert, AlertChanged),
            self.bus.subscribe(self._on_allocation, AllocationChanged),
        ]
        self._task = self._loop.create_task(self._pump(), name="linewise-live-pump")

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        task, loop = self._task, self._loop
        self._task = None
        if task is not None and loop is not None:
            if loop is asyncio.get_running_loop():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            elif not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)
        for client in list(self.clients):
            self._post(client, None)

    def _on_change(self, changes: MachineChanges) -> None:
        # Called from the recorder thread: hand over to the event loop, never block.
        loop, q = self._loop, self._queue
        if loop is None or q is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(q.put_nowait, changes)

    def _on_operation(self, event: OperationEvent) -> None:
        # A terminal action (start, hold, complete, report) changed an order's progress:
        # the floor shows it now, not at the line's next machine event.
        self._on_change(MachineChanges(operations=frozenset({event.operation_id})))

    def _on_andon(self, event: AndonChanged) -> None:
        # An andon call is news for everyone who sees its line: a small message at once,
        # the floor page reads the calls themselves (GET /andon).
        message = {
            "type": "andon",
            "id": event.call_id,
            "line_id": event.line_id,
            "kind": event.kind,
            "acknowledged": event.acknowledged,
        }
        for client in list(self.clients):
            if client.ready and client.sees(event.area_id):
                self._post(client, message)

    def _on_alert(self, event: AlertChanged) -> None:
        # The in-app notification: the Alerts page and the shell's badge re-read on it.
        message = {
            "type": "alert",
            "id": event.alert_id,
            "state": event.state,
            "severity": event.severity,
            "message": event.message,
        }
        for client in list(self.clients):
            # A site-wide alert (no area: an order, the quarantine) goes to everyone.
            if client.ready and (event.area_id is None or client.sees(event.area_id)):
                self._post(client, message)

    def _on_allocation(self, event: AllocationChanged) -> None:
        # A board changed: every open board of that shift re-reads it (the board spans
        # areas, so everyone hears of it; the board's read itself is scoped).
        message = {
            "type": "allocation",
            "site_id": event.site_id,
            "shift_key": event.shift_key,
            "version": event.version,
            "actor": event.actor,
        }
        for client in list(self.clients):
            if client.ready:
                self._post(client, message)

    @property
    def running(self) -> bool:
        return self._task is not None

    def add(self, client: LiveClient) -> None:
        assert self._queue is not None and self._loop is not None
        self.clients.add(client)
        self._loop.call_soon_threadsafe(self._queue.put_nowait, _SnapshotRequest(client))

    def remove(self, client: LiveClient) -> None:
        self.clients.discard(client)

    async def _pump(self) -> None:
        assert self._queue is not None
        while True:
            item = await self._queue.get()
            try:
                if isinstance(item, _SnapshotRequest):
                    await self._send_snapshot(item.client)
                    continue
                await asyncio.sleep(COALESCE_S)
                machines = set(item.state_machines | item.count_machines)
                operations = set(item.operations)
                pending: list[_SnapshotRequest] = []
                while not self._queue.empty():
                    more = self._queue.get_nowait()
                    if isinstance(more, _SnapshotRequest):
                        pending.append(more)
                    else:
                        machines |= more.state_machines | more.count_machines
                        operations |= more.operations
                if -1 in machines:  # "everything changed" from another process
                    for client in list(self.clients):
                        await self._send_snapshot(client)
                else:
                    await self._send_diff(machines, operations)
                for request in pending:
                    await self._send_snapshot(request.client)
            except Exception:
                log.exception("live hub failed to publish a change")

    def _read(self, fn: Callable[[Session], Any]) -> Any:
        # Only reads: on SQLite it must neither take nor wait for the write lock.
        with read_only_factory(self.session_factory)() as db:
            return fn(db)

    async def _send_snapshot(self, client: LiveClient) -> None:
        if client not in self.clients:
            return
        area_ids = client.area_ids
        snapshot = await run_in_threadpool(
            self._read, lambda db: floor_snapshot(db, area_ids=area_ids)
        )
        client.ready = True
        self._deliver(client, snapshot)

    async def _send_diff(self, machine_ids: set[int], operation_ids: set[int]) -> None:
        if not self.clients:
            return

        def read(db: Session) -> tuple[list[dict[str, Any]], dict[int, Any], dict[int, int]]:
            rows = machine_rows(db, machine_ids=machine_ids) if machine_ids else []
            lines: dict[int, Any] = {}
            area_of_line: dict[int, int] = {r["line_id"]: r["area_id"] for r in rows}
            if operation_ids:
                from sqlalchemy import select

                from linewise.domains.equipment.models import Line
                from linewise.domains.production.models import OrderOperation

                line_rows = db.execute(
                    select(OrderOperation.line_id, Line.area_id)
                    .join(Line, OrderOperation.line_id == Line.id)
                    .where(OrderOperation.id.in_(operation_ids))
                ).all()
                area_of_line.update({r.line_id: r.area_id for r in line_rows})
                running = running_orders(db, [r.line_id for r in line_rows])
                lines = {r.line_id: running.get(r.line_id) for r in line_rows}
            return rows, lines, area_of_line

        rows, lines, area_of_line = await run_in_threadpool(self._read, read)
        for client in list(self.clients):
            if not client.ready:
                continue  # its snapshot, read later, already includes this change
            mine = [r for r in rows if client.sees(r["area_id"])]
            my_lines = {str(k): v for k, v in lines.items() if client.sees(area_of_line.get(k, -1))}
            if mine or my_lines:
                self._deliver(client, {"type": "diff", "machines": mine, "lines": my_lines})

    def _deliver(self, client: LiveClient, message: dict[str, Any]) -> None:
        self._post(client, message)

    def _post(self, client: LiveClient, message: dict[str, Any] | None) -> None:
        """Queue a message on the client's own loop (thread-safe across loops)."""

        def put() -> None:
            try:
                client.queue.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("live client too slow; disconnecting it")
                self.clients.discard(client)
                with contextlib.suppress(asyncio.QueueEmpty):
                    client.queue.get_nowait()
                client.queue.put_nowait(None)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if client.loop is running:
            put()
        elif not client.loop.is_closed():
            client.loop.call_soon_threadsafe(put)


def _authenticate(ws: WebSocket, session_factory: sessionmaker[Session]) -> Principal:
    with read_only_factory(session_factory)() as db:
        auth = ws.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            principal = principal_from_bearer(db, auth[7:].strip())
        elif token := ws.cookies.get(SESSION_COOKIE):
            # A browser sends cookies cross-site too: only our own pages may use them.
            origin = ws.headers.get("origin")
            if origin and urlsplit(origin).netloc != ws.headers.get("host"):
                from linewise.core.errors import Forbidden

                raise Forbidden("cross-site WebSocket refused")
            principal, _csrf = principal_from_session(db, token)
        else:
            from linewise.core.errors import Unauthorized

            raise Unauthorized("sign in or send a bearer token")
    if principal.kind == "device" or principal.role not in roles_for("floor:read"):
        from linewise.core.errors import Forbidden

        raise Forbidden("this key may not watch the floor")
    return principal


@router.websocket("/live")
async def live(ws: WebSocket) -> None:
    """Snapshot of the floor on connect, then diffs of machines and order progress."""
    hub: LiveHub = ws.app.state.live_hub
    try:
        principal = await run_in_threadpool(_authenticate, ws, ws.app.state.session_factory)
    except Problem as exc:
        # Accept, then close with a code the browser can read (4401 / 4403); closing
        # before accepting would reach a browser only as an anonymous 1006.
        await ws.accept()
        await ws.close(code=4000 + exc.status, reason=exc.detail[:120])
        return
    await ws.accept()
    if not hub.running:  # started by the service container, never from here
        await ws.close(code=1013, reason="the server is starting or stopping; reconnect")
        return
    client = LiveClient(principal.area_ids if principal.area_scoped else None)
    hub.add(client)

    async def forward() -> None:
        while True:
            message = await client.queue.get()
            if message is None:
                await ws.close(code=1013, reason="too slow or server stopping; reconnect")
                return
            await ws.send_json(message)

    sender = asyncio.create_task(forward())
    try:
        while True:
            receive = asyncio.create_task(ws.receive_text())
            done, _ = await asyncio.wait({receive, sender}, return_when=asyncio.FIRST_COMPLETED)
            if sender in done:
                receive.cancel()
                break
            text = receive.result()
            if text == "ping":
                await ws.send_json({"type": "pong"})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(client)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
