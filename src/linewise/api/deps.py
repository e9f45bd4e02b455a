"""Request dependencies: database session, authentication, the permission policy."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from linewise.api.admission import SessionAdmission
from linewise.core.db import POOL_TIMEOUT_S, REQUEST_SESSIONS, read_only_factory
from linewise.core.errors import Forbidden, ServiceUnavailable, Unauthorized
from linewise.core.security import (
    AREA_SCOPED_ROLES,
    AUTHENTICATED,
    DEVICE_INGEST,
    PUBLIC,
    Role,
    roles_for,
    same,
    token_digest,
)
from linewise.core.time import utcnow
from linewise.core.uow import unit_of_work
from linewise.domains.accounts.models import ApiKey, ApiKeyScope, User, UserSession

SESSION_COOKIE = "lw_session"
CSRF_COOKIE = "lw_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Requests that only read: their transactions never take SQLite's write lock.
READ_METHODS = frozenset({"GET", "HEAD"})

log = logging.getLogger(__name__)


async def _session_slot(request: Request) -> AsyncIterator[None]:
    # Taken on the event loop before the session exists, released after it is closed.
    state = request.app.state
    admission: SessionAdmission | None = getattr(state, "session_admission", None)
    if admission is None:
        admission = state.session_admission = SessionAdmission(REQUEST_SESSIONS, POOL_TIMEOUT_S)
    async with admission.slot():
        yield


def _request_unit_of_work(
    request: Request, _slot: None = Depends(_session_slot, scope="function")
) -> Iterator[Session]:
    # Function scope (see get_db): the code after ``yield`` runs when the handler has
    # returned and its response is serialized, but before that response is sent.
    factory = request.app.state.session_factory
    if request.method in READ_METHODS:
        # Reads start deferred: on SQLite they neither take nor wait for the write lock.
        factory = read_only_factory(factory)
    try:
        with unit_of_work(factory) as session:
            yield session
    except (PoolTimeout, OperationalError) as exc:
        if isinstance(exc, OperationalError) and "database is locked" not in str(exc.orig):
            raise
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        raise ServiceUnavailable(
            "the database is busy; try again shortly", headers={"Retry-After": "1"}
        ) from exc


async def get_db(
    session: Session = Depends(_request_unit_of_work, scope="function"),
) -> Session:
    """The request's session: ONE commit, after the handler succeeded; rollback on error.

    Handlers never commit (they may flush). The commit must happen before the response
    goes out, so that a failed commit (a stale version, a unique violation) answers 409
    instead of a 200 for a change that was never saved. A yield dependency's teardown
    runs after the response is sent unless it has ``scope="function"``; that scope is
    given here, once, so every ``Depends(get_db)`` shares one function-scoped session.
    Errors raised by the commit are mapped to problem+json in api/errors.py.
    """
    return session


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user, an integration key or a device key."""

    kind: str  # "user" | "integration" | "device" | "anonymous"
    name: str
    role: Role | None
    user_id: int | None = None
    area_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def area_scoped(self) -> bool:
        return self.role in AREA_SCOPED_ROLES

    def may_touch_area(self, area_id: int | None) -> bool:
        return not self.area_scoped or (area_id is not None and area_id in self.area_ids)


ANONYMOUS = Principal(kind="anonymous", name="anonymous", role=None)


def _from_bearer(db: Session, token: str) -> Principal:
    # Format: lw_<prefix>_<secret>; the prefix finds the row, the secret is compared hashed.
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "lw":
        raise Unauthorized("malformed bearer token")
    key = db.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None or not same(key.secret_hash, token_digest(token)):
        raise Unauthorized("invalid or revoked API key")
    role = Role(key.role) if key.role else None
    return Principal(kind=key.scope, name=key.name, role=role)


def principal_from_session(db: Session, token: str) -> tuple[Principal, str]:
    """The signed-in user of a session cookie, and the session's CSRF token."""
    sess = db.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if sess is None or sess.expires_at <= utcnow():
        raise Unauthorized("session expired; please sign in again")
    user = db.get(User, sess.user_id)
    if user is None or not user.active:
        raise Unauthorized("account disabled")
    principal = Principal(
        kind="user",
        name=user.username,
        role=Role(user.role),
        user_id=user.id,
        area_ids=frozenset(user.area_ids),
    )
    return principal, sess.csrf_token


def _from_session(request: Request, db: Session, token: str) -> Principal:
    principal, csrf = principal_from_session(db, token)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not same(sent, csrf):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header (CSRF protection)")
    return principal


def principal_from_bearer(db: Session, token: str) -> Principal:
    """The principal of an API key (``lw_<prefix>_<secret>``), as a bearer header gives
    it; Unauthorized when the key is malformed, unknown or revoked."""
    return _from_bearer(db, token)


def authenticate(request: Request, db: Session = Depends(get_db)) -> Principal:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        principal = _from_bearer(db, auth[7:].strip())
    elif token := request.cookies.get(SESSION_COOKIE):
        principal = _from_session(request, db, token)
    else:
        raise Unauthorized("sign in or send a bearer token")
    limits = getattr(request.app.state, "rate_limits", None)
    if limits is not None:
        # After authenticating: an unknown caller's guesses are the sign-in throttle's.
        bucket = limits.devices if principal.kind == ApiKeyScope.DEVICE else limits.people
        bucket.check(principal.actor, principal.name)
    # The audit hook reads the actor from the session that makes the change.
    db.info["actor"] = principal.actor
    # The one commit before the request's end, and it writes nothing: it ends the read
    # transaction of the authentication. On SQLite a writing request's transaction holds
    # the write lock (BEGIN IMMEDIATE), and a handler that then waits (ingest waits for
    # the recorder) must not hold it meanwhile; and the connection goes back to the pool.
    # The handler's own queries open a new transaction.
    db.commit()
    return principal


def authorize(principal: Principal, permission: str) -> None:
    """Raise Forbidden unless ``principal`` holds ``permission`` (the policy of every
    route; also applied outside HTTP, e.g. to the assistant's MCP server)."""
    if permission == DEVICE_INGEST:
        if principal.kind == ApiKeyScope.DEVICE or principal.role in roles_for(permission):
            return
        raise Forbidden("this route takes a device API key")
    if principal.kind == ApiKeyScope.DEVICE:
        raise Forbidden("device API keys may only ingest machine data")
    if permission == AUTHENTICATED:
        return
    if principal.role not in roles_for(permission):
        raise Forbidden(f"role '{principal.role}' lacks permission '{permission}'")


def require(permission: str) -> Callable[..., Any]:
    """A dependency that enforces ``permission`` from the policy table.

    The returned callable carries ``.permission`` so that tests can read the policy of
    every route from the app itself.
    """
    if permission == PUBLIC:
        # async: runs on the event loop, so a public route never queues for a worker
        # thread behind database work (/health must answer while the server is busy).
        async def public() -> Principal:
            return ANONYMOUS

        public.permission = PUBLIC  # type: ignore[attr-defined]
        return public

    def check(principal: Principal = Depends(authenticate)) -> Principal:
        authorize(principal, permission)
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    return check
