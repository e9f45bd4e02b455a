"""Imports every model so that metadata (Alembic, create_all) sees all tables."""

from linewise.core.audit import AuditRecord
from linewise.domains.accounts.models import ApiKey, User, UserSession
from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.inventory.models import Material
from linewise.domains.people.models import Holiday, Operator, ShiftCalendar, ShiftPattern
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
    "Holiday",
    "Line",
    "Machine",
    "Material",
    "Operator",
    "OrderOperation",
    "Product",
    "ProductionOrder",
    "QuarantinedEvent",
    "ReasonCode",
    "RoutingStep",
    "RoutingStepLine",
    "ShiftCalendar",
    "ShiftPattern",
    "Site",
    "StateEvent",
    "StateInterval",
    "TelemetrySample",
    "User",
    "UserSession",
]
