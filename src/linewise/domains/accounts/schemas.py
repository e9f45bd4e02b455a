"""API shapes of users, sign-in and API keys."""

from __future__ import annotations

from datetime import datetime

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


class LoginOut(Schema):
    user: UserOut
    csrf_token: str


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
