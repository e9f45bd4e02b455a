"""API shapes of users, sign-in and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from linewise.api.crud import Schema
from linewise.core.security import Role
from linewise.domains.accounts.models import ApiKeyScope


class LoginIn(Schema):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1000)


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    area_ids: list[int]
    version: int
    auth_source: str = Field("local", description="local (password) or oidc (single sign-on)")
    mfa_enabled: bool = False


class AreaRef(Schema):
    id: int
    name: str


class MeOut(UserOut):
    """The signed-in user as the UI needs it: what they may do and their areas by name, so
    that buttons can be shown only to those who may use them and figures can say whose
    areas they cover."""

    permissions: list[str]
    areas: list[AreaRef]


class LoginOut(Schema):
    user: MeOut
    csrf_token: str


class BadgeOperator(Schema):
    id: int
    code: str
    name: str
    badge: str | None


class BadgeLoginOut(LoginOut):
    """A terminal sign-in: the session's user and the operator whose badge opened it."""

    operator: BadgeOperator


class UserIn(Schema):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-@]+$")
    full_name: str = Field("", max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    role: Role
    area_ids: list[int] = Field(default_factory=list)


class UserUpdate(Schema):
    full_name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, min_length=1, max_length=1000)
    role: Role | None = None
    active: bool | None = None
    area_ids: list[int] | None = None
    version: int | None = None


class ApiKeyIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    scope: ApiKeyScope
    role: Role | None = Field(None, description="required for integration keys")


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    scope: ApiKeyScope
    role: Role | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    token: str = Field(description="shown once; store it now")


class SessionsEnded(Schema):
    """How many signed-in sessions were ended."""

    ended: int


# Identity (issue 25): the sign-in's second factor and single sign-on.


class PasswordLoginOut(Schema):
    """A password sign-in: a session (``user``, ``csrf_token``), or, when a second
    factor is due, no session yet but ``mfa`` ("verify": send a code; "enrol": set up
    an authenticator app first) with the ``mfa_token`` that continues this sign-in."""

    user: MeOut | None = None
    csrf_token: str | None = None
    mfa: Literal["verify", "enrol"] | None = None
    mfa_token: str | None = None


class MfaTokenIn(Schema):
    mfa_token: str = Field(min_length=1, max_length=200)


class MfaCodeIn(Schema):
    mfa_token: str = Field(min_length=1, max_length=200)
    code: str = Field(
        min_length=1, max_length=40, description="a 6-digit TOTP code or a recovery code"
    )


class MfaConfirmIn(Schema):
    code: str = Field(min_length=1, max_length=40, description="the app's current code")


class MfaEnrolConfirmIn(MfaConfirmIn):
    mfa_token: str = Field(min_length=1, max_length=200)


class MfaSetupOut(Schema):
    secret: str = Field(description="base32, for typing into the app by hand")
    otpauth_uri: str
    qr_svg: str = Field(description="the otpauth URI as a QR code (SVG)")


class MfaEnabledOut(Schema):
    """MFA is on; the recovery codes are shown this once. After a sign-in's enrolment,
    the session too."""

    recovery_codes: list[str]
    user: MeOut | None = None
    csrf_token: str | None = None


class AuthProvidersOut(Schema):
    """How one may sign in, for the login page."""

    oidc_name: str | None = Field(None, description="the SSO button's label; none: no SSO")
    oidc_login_url: str | None = None
