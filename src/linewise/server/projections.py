"""What the domains plug into ingest: projections, in the order the recorder runs them,
and the lookup of the order stages that counts name.

Assembled here, above the domains, so that ingest imports none of them: ingest keeps
its own state intervals, production registers order progress, inventory the backflush
of material, performance the KPI rollup marks (which read how far back the intervals
changed, so they come after those), quality the inspections and maintenance the live
anomaly watch over telemetry.
"""

from __future__ import annotations

from linewise.config import Settings, get_settings
from linewise.domains.inventory.backflush import BackflushProjection
from linewise.domains.maintenance.live import AnomalyWatch
from linewise.domains.performance.marks import RollupMarks
from linewise.domains.production.progress import OrderProgressProjection
from linewise.domains.production.references import OrderReferences
from linewise.domains.quality.ingest import InspectionResults
from linewise.ingest.projections import Projection, StateIntervals


def ingest_projections(settings: Settings | None = None) -> list[Projection]:
    settings = settings or get_settings()
    return [
        StateIntervals(),
        OrderProgressProjection(),
        BackflushProjection(),
        RollupMarks(),
        InspectionResults(),
        AnomalyWatch(settings.anomaly_detector),
    ]


def order_references() -> OrderReferences:
    return OrderReferences()
