"""The app's background services as container services (see server/container.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from linewise.core.bus import Bus
from linewise.ingest.recorder import Recorder
from linewise.server.container import ServiceContainer
from linewise.server.live import LiveHub


class RecorderService:
    """The single batched writer of machine events (a thread)."""

    name = "recorder"

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def start(self) -> None:
        self.recorder.start()

    async def stop(self) -> None:
        # Writes what is queued first: may take a moment, off the event loop.
        await asyncio.to_thread(self.recorder.stop)


class PlanningService:
    """The planning runtime (solve jobs) and the disruption watcher on the bus.

    Starting it marks runs that a previous process left unfinished as failed.
    """

    name = "planning"

    def __init__(self, state: Any) -> None:
        self.state = state
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        from linewise.domains.planning.disruption import DisruptionWatcher
        from linewise.domains.planning.service import PlanningRuntime

        runtime = await asyncio.to_thread(PlanningRuntime, self.state.session_factory)
        watcher = DisruptionWatcher(runtime)
        self._unsubscribe = self.state.bus.subscribe(watcher)
        self.state.planning_watcher = watcher
        self.state.planning = runtime

    async def stop(self) -> None:
        runtime = getattr(self.state, "planning", None)
        self.state.planning = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        watcher = getattr(self.state, "planning_watcher", None)
        if watcher is not None:
            await asyncio.to_thread(watcher.close)
        if runtime is not None:
            await asyncio.to_thread(runtime.shutdown)


class LiveHubService:
    name = "live-hub"

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub

    async def start(self) -> None:
        await self.hub.start()

    async def stop(self) -> None:
        await self.hub.stop()


class NotifyBridgeService:
    """LISTEN for other processes' events (PostgreSQL only) and republish them here."""

    name = "notify-bridge"

    def __init__(self, engine: Engine, bus: Bus, own_origins: list[str]) -> None:
        from linewise.ingest.notify import NotifyListener

        self.listener = NotifyListener(engine, bus, own_origins)

    async def start(self) -> None:
        self.listener.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.listener.stop)


class TaskService:
    """A coroutine that runs for the app's lifetime (MQTT ingest, the KPI refresher,
    the demo feed); stopping cancels it."""

    def __init__(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        self.name = name
        self._run = run
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async def main() -> None:
            await self._run()

        self._task = asyncio.create_task(main(), name=f"linewise-{self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def build_container(app: Any) -> ServiceContainer:
    """Every background service of the app, in start order.

    Writer first (the recorder), then what subscribes to the bus (planning, the live
    hub), then what publishes into it from outside (the NOTIFY bridge, MQTT ingest),
    then periodic and demo work.
    """
    state = app.state
    settings = state.settings
    container = ServiceContainer()
    container.add(RecorderService(state.recorder))
    container.add(PlanningService(state))
    container.add(LiveHubService(state.live_hub))
    if state.engine.dialect.name == "postgresql":
        origins = [state.bus.origin, state.recorder.origin]
        container.add(NotifyBridgeService(state.engine, state.bus, origins))
    if settings.mqtt_url:
        from linewise.ingest.mqtt import MqttIngest, MqttSettings

        mqtt = MqttIngest(
            MqttSettings.from_url(
                settings.mqtt_url,
                client_id=settings.mqtt_client_id,
                share_group=settings.mqtt_share_group,
                ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
                default_port=settings.port,
            ),
            state.recorder,
            timedelta(seconds=settings.ingest_max_future_s),
            timedelta(seconds=settings.ingest_max_past_s),
        )
        state.mqtt = mqtt
        container.add(TaskService("mqtt", mqtt.run))
    if settings.kpi_refresh_s > 0:
        from linewise.domains.performance.refresher import run_refresher

        factory, every = state.session_factory, settings.kpi_refresh_s
        container.add(TaskService("kpi-refresh", lambda: run_refresher(factory, every)))
    for background in state.background:
        name = getattr(background, "__name__", "background")
        container.add(TaskService(name, _bound(background, app)))
    return container


def _bound(factory: Callable[[Any], Awaitable[None]], app: Any) -> Callable[[], Awaitable[None]]:
    return lambda: factory(app)
