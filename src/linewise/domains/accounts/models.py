"""Users, browser sessions and API keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from linewise.core.db import Base, UTCDateTime
from linewise.core.models_base import IdMixin, TimestampMixin, VersionedMixin
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Area

user_areas = Table(
    "user_areas",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class ApiKeyScope(StrEnum):
    DEVICE = "device"  # may only ingest machine data
    INTEGRATION = "integration"  # acts with the key's role


class User(IdMixin, VersionedMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __audited__ = True
    # The hash never enters the audit log.
    # The hash and the MFA secret never enter the audit log.
    __audit_exclude__ = frozenset({"password_hash", "mfa_secret", "mfa_last_step"})
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    areas: Mapped[list[Area]] = relationship(secondary=user_areas, order_by="Area.id")
    # "local" (password, optionally TOTP) or "oidc" (single sign-on; no usable password).
    auth_source: Mapped[str] = mapped_column(String(20), default="local", server_default="local")
    # The OpenID provider's subject ("iss|sub") of an SSO account.
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True, nullable=True)
    # TOTP (RFC 6238): the base32 secret, set at enrolment, active once confirmed.
    mfa_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The last time step accepted: a code is never accepted twice.
    mfa_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def area_ids(self) -> list[int]:
        return [a.id for a in self.areas]


class UserSession(IdMixin, Base):
    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user: Mapped[User] = relationship()


class ApiKey(IdMixin, TimestampMixin, Base):
    __tablename__ = "api_keys"
    __audited__ = True
    __audit_exclude__ = frozenset({"secret_hash"})
    name: Mapped[str] = mapped_column(String(200))
    # Public, looked up first; the secret part is only stored hashed.
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MfaRecoveryCode(IdMixin, Base):
    """One of a user's ten one-time recovery codes, stored hashed (SHA-256: the codes
    are 80 random bits, like session tokens)."""

    __tablename__ = "mfa_recovery_codes"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuthChallenge(IdMixin, Base):
    """A sign-in half done: the password was right, the second factor (or its
    enrolment) is still to come. Short-lived, used once."""

    __tablename__ = "auth_challenges"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "verify" or "enrol"
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)


class OidcLogin(IdMixin, Base):
    """A single sign-on under way: the state sent to the provider, with the PKCE
    verifier and the nonce it must come back with."""

    __tablename__ = "oidc_logins"
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
