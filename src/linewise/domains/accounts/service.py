"""Accounts: users, sign-in with rate limiting, sessions and API keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, Unauthorized, ValidationProblem
from linewise.core.security import (
    Role,
    burn_password_check,
    hash_password,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKey, ApiKeyScope, User, UserSession
from linewise.domains.accounts.throttle import LoginLimiter as LoginLimiter
from linewise.domains.equipment.service import areas_by_ids


def authenticate_password(db: Session, username: str, password: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        burn_password_check(password)
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password) or not user.active:
        raise Unauthorized("wrong username or password")
    if user.auth_source != "local":  # its password is random; it signs on at the provider
        raise Unauthorized("wrong username or password")
    return user


def open_session(db: Session, user: User, hours: int) -> tuple[str, str]:
    token, csrf = new_token(), new_token(24)
    now = utcnow()
    db.execute(delete(UserSession).where(UserSession.expires_at < now))
    db.add(
        UserSession(
            token_hash=token_digest(token),
            csrf_token=csrf,
            user_id=user.id,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token, csrf


def close_session(db: Session, token: str) -> None:
    db.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


def end_sessions(db: Session, user_id: int, *, keep_token: str | None = None) -> int:
    """Sign a user out everywhere (but the session ``keep_token``); how many ended."""
    stmt = delete(UserSession).where(
        UserSession.user_id == user_id, UserSession.expires_at > utcnow()
    )
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_digest(keep_token))
    ended = db.execute(stmt)
    # Expired ones go too, uncounted: they could not be used anyway.
    db.execute(
        delete(UserSession).where(
            UserSession.user_id == user_id, UserSession.expires_at <= utcnow()
        )
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def reset_password(db: Session, user: User, password: str, *, keep_token: str | None) -> None:
    """A new password; whoever is signed in with the old one is signed out.

    A reset often follows a password that got out: sessions opened with it must not
    outlive it. The session that makes the change (an admin changing their own) stays.
    """
    set_password(user, password)
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_digest(keep_token))
    db.execute(stmt)


def create_user(
    db: Session,
    *,
    username: str,
    password: str,
    role: Role,
    full_name: str = "",
    area_ids: list[int] | None = None,
    allow_weak: bool = False,
) -> User:
    if not allow_weak and (why := password_problem(password)):
        raise ValidationProblem(f"password {why}", errors=[FieldError("password", why)])
    if db.scalar(select(User).where(User.username == username)) is not None:
        from linewise.core.errors import Conflict

        raise Conflict(
            f"user '{username}' already exists", errors=[FieldError("username", "taken")]
        )
    user = User(
        username=username, full_name=full_name, password_hash=hash_password(password), role=role
    )
    user.areas = areas_by_ids(db, area_ids or [])
    db.add(user)
    return user


def set_password(user: User, password: str) -> None:
    if why := password_problem(password):
        raise ValidationProblem(f"password {why}", errors=[FieldError("password", why)])
    user.password_hash = hash_password(password)


def create_api_key(
    db: Session, *, name: str, scope: ApiKeyScope, role: Role | None
) -> tuple[ApiKey, str]:
    if scope == ApiKeyScope.INTEGRATION and role is None:
        raise ValidationProblem(
            "integration keys act with a role", errors=[FieldError("role", "required")]
        )
    if scope == ApiKeyScope.DEVICE:
        role = None
    prefix = new_token(9).replace("_", "x").replace("-", "y")
    token = f"lw_{prefix}_{new_token(24)}"
    key = ApiKey(name=name, prefix=prefix, secret_hash=token_digest(token), scope=scope, role=role)
    db.add(key)
    return key, token
