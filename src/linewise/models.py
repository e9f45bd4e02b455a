"""Imports every model so that metadata (Alembic, create_all) sees all tables."""

from linewise.core.audit import AuditRecord
from linewise.domains.accounts.models import (
    ApiKey,
    AuthChallenge,
    MfaRecoveryCode,
    OidcLogin,
    User,
    UserSession,
)
from linewise.domains.alerts.models import (
    Alert,
    AlertGroup,
    AlertRule,
    EscalationStep,
    Notification,
    Preference,
    Silence,
    Webhook,
)
from linewise.domains.delivery.cost_models import CostSettings, LineCostRate, MaterialCost
from linewise.domains.delivery.model_store import DeliveryModel
from linewise.domains.delivery.models import DeliveryEstimate, DeliveryPrediction
from linewise.domains.documents.models import StepDocument
from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.idle.models import IdleRisk
from linewise.domains.inventory.genealogy_models import TraceLink, TraceLot, TraceShipment
from linewise.domains.inventory.models import Material
from linewise.domains.labour.models import (
    Absence,
    AllocationVersion,
    ClockEntry,
    SkillCertificate,
    WorkInterval,
)
from linewise.domains.maintenance.models import (
    MaintenanceLabour,
    MaintenanceOrder,
    MaintenancePlan,
    MaintenanceStep,
)
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
from linewise.domains.quality.models import (
    Characteristic,
    Defect,
    DefectCode,
    Inspection,
    InspectionPlan,
    Measurement,
    Nonconformance,
    ReasonCode,
    SpcSignal,
)
from linewise.domains.reports.models import ReportSubscription
from linewise.domains.terminal.models import AndonCall, TerminalAction
from linewise.ingest.models import (
    CountEvent,
    InspectionEvent,
    QuarantinedEvent,
    StateEvent,
    StateInterval,
    TelemetryHourly,
    TelemetrySample,
)
from linewise.jobs.models import Job, JobSchedule

__all__ = [
    "Absence",
    "Alert",
    "AlertGroup",
    "AlertRule",
    "AllocationVersion",
    "AndonCall",
    "ApiKey",
    "Area",
    "AuditRecord",
    "AuthChallenge",
    "BomItem",
    "Characteristic",
    "ClockEntry",
    "CostSettings",
    "CountEvent",
    "CustomerOrder",
    "Defect",
    "DefectCode",
    "DeliveryEstimate",
    "DeliveryModel",
    "DeliveryPrediction",
    "DowntimeAssignment",
    "EscalationStep",
    "Holiday",
    "IdleRisk",
    "Inspection",
    "InspectionEvent",
    "InspectionPlan",
    "Job",
    "JobSchedule",
    "Line",
    "LineCostRate",
    "Machine",
    "MachineDayRollup",
    "MaintenanceLabour",
    "MaintenanceOrder",
    "MaintenancePlan",
    "MaintenanceStep",
    "Material",
    "MaterialCost",
    "Measurement",
    "MfaRecoveryCode",
    "Nonconformance",
    "Notification",
    "OidcLogin",
    "Operator",
    "OrderOperation",
    "PlannedOperation",
    "PlanningScenario",
    "Preference",
    "Product",
    "ProductDayRollup",
    "ProductionOrder",
    "QuarantinedEvent",
    "ReasonCode",
    "ReportSubscription",
    "RollupMark",
    "RoutingStep",
    "RoutingStepLine",
    "ScenarioChange",
    "SchedulePlan",
    "ScheduleRun",
    "ShiftCalendar",
    "ShiftPattern",
    "Silence",
    "Site",
    "SkillCertificate",
    "SpcSignal",
    "StateEvent",
    "StateInterval",
    "StepDocument",
    "StopDayRollup",
    "TelemetryHourly",
    "TelemetrySample",
    "TerminalAction",
    "TraceLink",
    "TraceLot",
    "TraceShipment",
    "User",
    "UserSession",
    "Webhook",
    "WorkInterval",
]
