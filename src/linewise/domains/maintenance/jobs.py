"""The periodic ``maintenance.generate`` job: orders from due plans, corrective orders
from long down stops (one transaction, idempotent)."""

from __future__ import annotations

from linewise.config import Settings
from linewise.core.time import utcnow
from linewise.domains.maintenance import service
from linewise.jobs import JobContext
from linewise.jobs.registry import Handler


def generate_job(settings: Settings) -> Handler:
    def run(ctx: JobContext) -> None:
        service.generate(ctx.session, utcnow(), settings.maintenance_corrective_after_min)

    return run
