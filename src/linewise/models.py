"""Imports every model so that metadata (Alembic, create_all) sees all tables."""

from linewise.core.audit import AuditRecord
from linewise.domains.accounts.models import ApiKey, User, UserSession
from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.inventory.models import Material
from linewise.domains.people.models import Holiday, Operator, ShiftCalendar, ShiftPattern
from linewise.domains.performance.models import (
    DowntimeAssignment,
    MachineDayRollup,
    ProductDayRollup,
    RollupMark,
    StopDayRollup,
)
from linewise.domains.planning.models import (
    PlannedOperation,
    PlanningScenario,
    ScenarioChange,
    SchedulePlan,
    ScheduleRun,
)
from linewise.domains.production.models import (
    BomItem,
    CustomerOrder,
    OrderOperation,
    Product,
    ProductionOrder,
    RoutingStep,
    RoutingStepLine,
)
from linewise.domains.quality.models import ReasonCode
from linewise.ingest.models import (
    CountEvent,
    QuarantinedEvent,
    StateEvent,
    StateInterval,
    TelemetrySample,
)

__all__ = [
    "ApiKey",
    "Area",
    "AuditRecord",
    "BomItem",
    "CountEvent",
    "CustomerOrder",
    "DowntimeAssignment",
    "Holiday",
    "Line",
    "Machine",
    "MachineDayRollup",
    "Material",
    "Operator",
    "OrderOperation",
    "PlannedOperation",
    "PlanningScenario",
    "Product",
    "ProductDayRollup",
    "ProductionOrder",
    "QuarantinedEvent",
    "ReasonCode",
    "RollupMark",
    "RoutingStep",
    "RoutingStepLine",
    "ScenarioChange",
    "SchedulePlan",
    "ScheduleRun",
    "ShiftCalendar",
    "ShiftPattern",
    "Site",
    "StateEvent",
    "StateInterval",
    "StopDayRollup",
    "TelemetrySample",
    "User",
    "UserSession",
]
