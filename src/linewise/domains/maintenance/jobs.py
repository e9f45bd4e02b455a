"""The periodic ``maintenance.generate`` job: orders from due plans, corrective orders
from long down stops (one transaction, idempotent); and ``maintenance.train``, which
trains the anomaly detector's baselines from the machines' history."""

from __future__ import annotations

from linewise.config import Settings
from linewise.core.time import utcnow
from linewise.domains.maintenance import service, training
from linewise.jobs import JobContext
from linewise.jobs.registry import Handler


def generate_job(settings: Settings) -> Handler:
    def run(ctx: JobContext) -> None:
        service.generate(ctx.session, utcnow(), settings.maintenance_corrective_after_min)

    return run


def train_job(settings: Settings) -> Handler:
    """``maintenance.train``: a new baseline version per machine (``args.machine_ids``,
    default every machine), see ``training.py``, of the site's live detector
    (``anomaly_detector``); ``args.scheduled`` (the weekly run) leaves a planner's chosen
    version active."""

    def run(ctx: JobContext) -> None:
        ids = ctx.args.get("machine_ids")
        machine_ids = [int(i) for i in ids] if isinstance(ids, list) else None
        scheduled = bool(ctx.args.get("scheduled", False))
        training.train(
            ctx.session,
            utcnow(),
            machine_ids,
            ctx.id,
            scheduled=scheduled,
            kind=settings.anomaly_detector,
        )

    return run
