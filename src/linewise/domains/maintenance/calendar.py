"""Scheduled maintenance as planned downtime, through the one calendar provider.

Registered as a ``WorkingTimeSource`` (see ``domains/people/working_time.py``): a
preventive order's maintenance window stops the line its machine stands on (a line's
stations run in series), so the scheduler does not plan it then and the KPIs count it
as planned downtime. Scheduled and in-progress orders count with their scheduled
window, done orders with the time they actually took. Corrective work is not planned
downtime and is not listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Machine
from linewise.domains.maintenance import repository as repo
from linewise.domains.maintenance.models import MaintenanceStatus
from linewise.domains.people.working_time import Adjustments
from linewise.kpi.calendar import MAINTENANCE, PlannedStop
from linewise.kpi.intervals import TimeWindow


def maintenance_windows(
    db: Session, line_ids: Collection[int], window: TimeWindow
) -> Mapping[int, Adjustments]:
    if not line_ids:
        return {}
    rows = db.execute(select(Machine.id, Machine.line_id).where(Machine.line_id.in_(line_ids)))
    line_of: dict[int, int] = {mid: lid for mid, lid in rows}
    if not line_of:
        return {}
    stops: dict[int, list[PlannedStop]] = defaultdict(list)
    for o in repo.windows(db, list(line_of), window.start, window.end):
        if o.status == MaintenanceStatus.DONE.value:
            start, end = o.started_at, o.finished_at
        else:
            start, end = o.scheduled_start, o.scheduled_end
        if start is None or end is None or end <= start:
            continue
        stops[line_of[o.machine_id]].append(
            PlannedStop(start, end, MAINTENANCE, f"maintenance-{o.id}")
        )
    return {lid: Adjustments(planned_stops=tuple(s)) for lid, s in stops.items()}
