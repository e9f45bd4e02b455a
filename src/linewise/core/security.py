"""Password hashing, tokens, roles and the permission policy.

The policy is one table (permission → roles) so that a test can enumerate every route
and every role and compare the app's behaviour against it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    PLANNER = "planner"
    MANAGER = "manager"
    ADMIN = "admin"


ALL_ROLES: frozenset[Role] = frozenset(Role)
# Operators and supervisors only see and change things in their own areas.
AREA_SCOPED_ROLES: frozenset[Role] = frozenset({Role.OPERATOR, Role.SUPERVISOR})

_R = Role
POLICY: dict[str, frozenset[Role]] = {
    # Anyone signed in may read master data and orders.
    "masterdata:read": ALL_ROLES,
    "orders:read": ALL_ROLES,
    "masterdata:write": frozenset({_R.PLANNER, _R.ADMIN}),
    "equipment:write": frozenset({_R.ADMIN}),
    "people:write": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "calendars:write": frozenset({_R.PLANNER, _R.MANAGER, _R.ADMIN}),
    "orders:write": frozenset({_R.PLANNER, _R.MANAGER, _R.ADMIN}),
    # Stock levels and expected deliveries; booking a delivery in is also the floor's job.
    "inventory:write": frozenset({_R.PLANNER, _R.MANAGER, _R.ADMIN}),
    "inventory:receive": frozenset({_R.SUPERVISOR, _R.PLANNER, _R.MANAGER, _R.ADMIN}),
    # Release / hold / cancel an order.
    "orders:transition": frozenset({_R.SUPERVISOR, _R.PLANNER, _R.MANAGER, _R.ADMIN}),
    # Start / stop / report an operation on the floor.
    "operations:execute": frozenset({_R.OPERATOR, _R.SUPERVISOR, _R.ADMIN}),
    # Acknowledge an andon call raised on the floor.
    "andon:acknowledge": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "import": frozenset({_R.PLANNER, _R.ADMIN}),
    "export": frozenset({_R.PLANNER, _R.MANAGER, _R.ADMIN}),
    "users:read": frozenset({_R.MANAGER, _R.ADMIN}),
    "users:write": frozenset({_R.ADMIN}),
    "apikeys:write": frozenset({_R.ADMIN}),
    "audit:read": frozenset({_R.MANAGER, _R.ADMIN}),
    # The live floor: machine states and counts (area-scoped for operators/supervisors).
    "floor:read": ALL_ROLES,
    # The ingest quarantine and other machine-data administration.
    "machinedata:admin": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    # Schedules, plans and what-if scenarios (reading: the floor sees the published plan).
    "schedules:read": ALL_ROLES,
    "schedules:write": frozenset({_R.PLANNER, _R.MANAGER, _R.ADMIN}),
    # KPIs, Pareto and the downtime queue (area-scoped for operators/supervisors).
    "kpi:read": ALL_ROLES,
    # Give a stop without a reason its reason.
    "downtime:assign": frozenset({_R.OPERATOR, _R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    # The background job queue: its depth, the dead-letter list, replaying a dead job.
    "jobs:admin": frozenset({_R.MANAGER, _R.ADMIN}),
    # Alerts: everyone sees them (area-scoped); the floor's leads acknowledge and resolve;
    # managers decide what is worth an alert.
    "alerts:read": ALL_ROLES,
    "alerts:acknowledge": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "alerts:rules": frozenset({_R.MANAGER, _R.ADMIN}),
    # Labour: everyone clocks themself in and sees their own station; the floor's leads
    # read labour figures and allocate people in their areas (managers across areas);
    # managers keep the skill matrix.
    "labour:self": ALL_ROLES,
    "labour:read": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "allocation:write": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "skills:write": frozenset({_R.MANAGER, _R.ADMIN}),
    # Idle time: measured minutes by cause, idle risks and reallocation suggestions.
    "idle:read": frozenset({_R.SUPERVISOR, _R.PLANNER, _R.MANAGER, _R.ADMIN}),
    # Scheduled reports: anyone signed in subscribes themselves; managers subscribe others.
    "reports:subscribe": ALL_ROLES,
    "reports:manage": frozenset({_R.MANAGER, _R.ADMIN}),
    # Work instructions: planners attach files to routing steps; everyone may read them.
    "documents:write": frozenset({_R.PLANNER, _R.ADMIN}),
    "metrics:read": frozenset({_R.ADMIN}),
    # Maintenance: everyone sees plans, orders, figures and telemetry; supervisors,
    # managers keep plans and schedule orders; the floor works the orders (area-scoped).
    "maintenance:read": ALL_ROLES,
    "maintenance:plan": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "maintenance:execute": frozenset({_R.OPERATOR, _R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    # Quality: everyone reads results, charts and figures; the floor records results and
    # opens nonconformances; its leads disposition them and clear SPC marks; planners and
    # managers keep inspection plans and defect codes.
    "quality:read": ALL_ROLES,
    "quality:record": frozenset({_R.OPERATOR, _R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "quality:disposition": frozenset({_R.SUPERVISOR, _R.MANAGER, _R.ADMIN}),
    "quality:plans": frozenset({_R.PLANNER, _R.MANAGER, _R.ADMIN}),
    # The assistant: anyone signed in asks; each tool checks the permission of the route
    # it mirrors, so an answer never shows more than the asker's pages would.
    "assistant:ask": ALL_ROLES,
}
# Pseudo-permissions for routes that need no role.
PUBLIC = "public"
AUTHENTICATED = "authenticated"
DEVICE_INGEST = "ingest"


def roles_for(permission: str) -> frozenset[Role]:
    if permission in (PUBLIC, AUTHENTICATED):
        return ALL_ROLES
    if permission == DEVICE_INGEST:
        return frozenset({Role.ADMIN})
    return POLICY[permission]


def permissions_of(role: str | None) -> list[str]:
    """Every permission this role holds, sorted (the UI decides which buttons to show)."""
    if role is None or role not in ALL_ROLES:
        return []
    return sorted(name for name, roles in POLICY.items() if Role(role) in roles)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Verifying against this keeps the timing of unknown usernames like that of known ones.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Tokens are random and long, so a fast hash is enough (no need for argon2)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


MIN_PASSWORD_LENGTH = 10


def password_problem(password: str) -> str | None:
    """Why a password is refused, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    return None
