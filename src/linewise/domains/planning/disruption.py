"""Re-plan around a machine that went down, as a proposal the planner accepts or rejects.

Subscribed to the bus: the recorder announces which machines changed state after each
commit. The notice is handed to one worker thread at once (bus subscribers must not
block the recorder). If a machine is now ``down`` and the published plan has work on its
line in the next hours, a short re-plan run starts with the line unavailable for an
estimated repair time; its result is saved as a draft plan of kind ``proposal`` with the
reason. Each down interval triggers at most one proposal (``trigger`` = its id).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from linewise.core.bus import MachineChanges
from linewise.core.db import session_scope
from linewise.core.errors import Conflict, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.site_time import local_when, site_zone
from linewise.domains.planning import repository as repo
from linewise.domains.planning.changes import Changes, LineDown
from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.service import PlanningRuntime, RunRequest

log = logging.getLogger("linewise.planning.disruption")

# How long a line is assumed to stay down when nobody knows yet.
REPAIR_ESTIMATE = timedelta(hours=2)
REPLAN_TIME_LIMIT_S = 5.0


class DisruptionWatcher:
    def __init__(
        self,
        runtime: PlanningRuntime,
        repair_estimate: timedelta = REPAIR_ESTIMATE,
        time_limit_s: float = REPLAN_TIME_LIMIT_S,
    ) -> None:
        self.runtime = runtime
        self.repair_estimate = repair_estimate
        self.time_limit_s = time_limit_s
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="linewise-disruption")

    def __call__(self, changes: MachineChanges) -> None:
        if changes.state_machines:
            self._executor.submit(self._check, sorted(changes.state_machines))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _check(self, machine_ids: list[int]) -> None:
        try:
            for request in self._requests(machine_ids):
                try:
                    self.runtime.start(request, actor="system:disruption")
                except Conflict as exc:
                    log.info("re-plan for %s not started: %s", request.trigger, exc.detail)
                except ValidationProblem as exc:  # master data it cannot plan with
                    log.warning("re-plan for %s not started: %s", request.trigger, exc.detail)
        except Exception:
            log.exception("disruption check failed")

    def _requests(self, machine_ids: list[int]) -> list[RunRequest]:
        now = utcnow()
        until = now + self.repair_estimate
        out: list[RunRequest] = []
        with session_scope(self.runtime.session_factory) as db:
            published = repo.published_plan(db)
            if published is None:
                return []
            horizon = published.horizon_end - published.horizon_start
            for interval, machine in repo.down_machines(db, machine_ids):
                trigger = f"down:{interval.id}"
                if repo.run_with_trigger(db, trigger) is not None:
                    continue
                affected = db.scalar(
                    select(func.count())
                    .select_from(PlannedOperation)
                    .where(
                        PlannedOperation.plan_id == published.id,
                        PlannedOperation.line_id == machine.line_id,
                        PlannedOperation.end > now,
                        PlannedOperation.start < until,
                    )
                )
                if not affected:
                    continue
                zone = site_zone(db)
                reason = (
                    f"machine {machine.code} down since {local_when(interval.start, zone)}"
                    f" ({interval.reason or 'no reason given'}); {affected} planned"
                    f" operation(s) on its line re-planned around an assumed repair until"
                    f" {local_when(until, zone)}"
                )
                out.append(
                    RunRequest(
                        horizon_days=max(1, round(horizon / timedelta(days=1))),
                        time_limit_s=self.time_limit_s,
                        kind="replan",
                        reason=reason,
                        trigger=trigger,
                        extra=Changes(downs=(LineDown(machine.line_id, now, until),)),
                    )
                )
        return out
