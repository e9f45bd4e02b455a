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
