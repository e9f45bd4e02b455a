"""Queries of the accounts domain: who can sign in, with which keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from linewise.core.query import ListParams, apply_sort, text_filter
from linewise.domains.accounts.models import ApiKey, User


def users_listing(params: ListParams) -> Select[Any]:
    """Users matching the list's search, in its sort order (paginated by the caller)."""
    stmt = select(User)
    cond = text_filter(params.q, [User.username, User.full_name])
    if cond is not None:
        stmt = stmt.where(cond)
    return apply_sort(stmt, params.sort, {"username": User.username, "role": User.role}, [User.id])


def api_keys_listing(params: ListParams) -> Select[Any]:
    return apply_sort(select(ApiKey), params.sort, {"name": ApiKey.name}, [ApiKey.id])
