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


class JobWorkerService:
    """The job queue's workers in this process (``jobs_workers`` claim loops), which also
    heartbeat, reap stopped workers' jobs and enqueue the periodic jobs.

    Each start owns the workers it started: two lifespans of one app (two test clients)
    must not lose the first one's workers, which would then run on unstopped."""

    name = "jobs"

    def __init__(self, state: Any) -> None:
        self.state = state
        self._worker: Any = None

    async def start(self) -> None:
        from linewise.server.jobs import make_worker

        worker = await asyncio.to_thread(
            make_worker,
            self.state.settings,
            self.state.session_factory,
            None,
            self.state.tracing,
        )
        await asyncio.to_thread(worker.start)
        self._worker = worker

    async def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            await asyncio.to_thread(worker.stop)

    def wake(self) -> None:
        """A job was just enqueued in this process: claim now, not at the next poll."""
        if self._worker is not None:
            self._worker.wake()


class TaskService:
    """A coroutine that runs for the app's lifetime (MQTT ingest, the demo feed);
    stopping cancels it."""

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


class OpeningBalanceService:
    """Once at start: the old stock levels not yet in the material ledger are booked
    into it as opening balances (idempotent; docs/inventory.md)."""

    name = "opening-balances"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def start(self) -> None:
        from linewise.domains.inventory.opening import book_opening_balances

        def run() -> None:
            with self.engine.begin() as conn:
                book_opening_balances(conn)

        await asyncio.to_thread(run)

    async def stop(self) -> None:
        return None


def build_container(app: Any) -> ServiceContainer:
    """Every background service of the app, in start order.

    Writer first (the recorder), then what subscribes to the bus (planning, the live
    hub), then what publishes into it from outside (the NOTIFY bridge, MQTT ingest),
    then the job workers (periodic work included) and the demo.
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
    # The job queue's workers; the KPI rollup refresh is one of their periodic jobs.
    if settings.jobs_workers > 0:
        jobs = JobWorkerService(state)
        container.add(jobs)
        container.add(AlertTriggerService(state, jobs.wake))
        if settings.delivery_refresh_on_events:
            container.add(DeliveryRefreshTriggerService(state, jobs.wake))
    for background in state.background:
        name = getattr(background, "__name__", "background")
        container.add(TaskService(name, _bound(background, app)))
    container.add(OpeningBalanceService(state.engine))
    if settings.assistant_warm_up:
        container.add(TaskService("assistant-warm-up", _warm_assistant))
    return container


async def _warm_assistant() -> None:
    """Load the assistant's paraphrase model and embed its examples (a second or two,
    once per process) before the first question instead of during it."""
    from linewise.assistant import router

    await asyncio.to_thread(router.get)


def _bound(factory: Callable[[Any], Awaitable[None]], app: Any) -> Callable[[], Awaitable[None]]:
    return lambda: factory(app)


class AlertTriggerService:
    """Machine state changes on the bus enqueue the alert evaluator (docs/alerts.md)."""

    name = "alert-trigger"

    def __init__(self, state: Any, wake: Callable[[], None]) -> None:
        self.state = state
        self.wake = wake
        self._trigger: Any = None
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        from linewise.domains.alerts.trigger import AlertTrigger

        trigger = AlertTrigger(self.state.session_factory, self.wake)
        trigger.start()
        unsubscribe = self.state.bus.subscribe(trigger.on_changes)
        # quality: an SPC violation recorded on the terminal or the quality page
        from linewise.domains.quality.events import SpcViolation

        unsubscribe_spc = self.state.bus.subscribe(trigger.on_spc_violation, SpcViolation)

        def both() -> None:
            unsubscribe()
            unsubscribe_spc()

        self._unsubscribe = both
        self._trigger = trigger

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        trigger, self._trigger = self._trigger, None
        if trigger is not None:
            await asyncio.to_thread(trigger.stop)


class DeliveryRefreshTriggerService:
    """A published plan, terminal reports and machine counts on the bus enqueue the
    delivery estimates' refresh, coalesced (docs/delivery.md)."""

    name = "delivery-refresh-trigger"

    def __init__(self, state: Any, wake: Callable[[], None]) -> None:
        self.state = state
        self.wake = wake
        self._trigger: Any = None
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        from linewise.domains.delivery.trigger import TRIGGERS, RefreshTrigger

        coalesce = self.state.settings.delivery_refresh_coalesce_s
        trigger = RefreshTrigger(self.state.session_factory, coalesce, self.wake)
        trigger.start()
        self._unsubscribe = [self.state.bus.subscribe(trigger.on_event, t) for t in TRIGGERS]
        self._trigger = trigger

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        trigger, self._trigger = self._trigger, None
        if trigger is not None:
            await asyncio.to_thread(trigger.stop)
