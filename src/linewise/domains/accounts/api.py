"""Routes for sign-in, users and API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response
from sqlalchemy.orm import Session

from linewise.api.crud import PageOut, check_version, get_or_404, list_params, page_out
from linewise.api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Principal,
    authenticate,
    get_db,
    require,
)
from linewise.core.errors import Unauthorized
from linewise.core.query import ListParams, paginate
from linewise.core.security import AUTHENTICATED, PUBLIC
from linewise.core.time import utcnow
from linewise.domains.accounts import repository, service
from linewise.domains.accounts.models import ApiKey, User
from linewise.domains.accounts.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    LoginIn,
    LoginOut,
    UserIn,
    UserOut,
    UserUpdate,
)
from linewise.domains.equipment.service import areas_by_ids

router = APIRouter()


@router.post("/auth/login", response_model=LoginOut, tags=["auth"])
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    settings = request.app.state.settings
    limiter: service.LoginLimiter = request.app.state.login_limiter
    # The peer address; uvicorn replaces it by X-Forwarded-For only from trusted proxies.
    address = request.client.host if request.client else "unknown"
    limiter.check(body.username, address)
    try:
        user = service.authenticate_password(db, body.username, body.password)
    except Unauthorized:
        limiter.failed(body.username, address)
        raise
    limiter.succeeded(body.username, address)
    token, csrf = service.open_session(db, user, settings.session_hours)
    db.info["actor"] = f"user:{user.username}"
    db.flush()
    max_age = settings.session_hours * 3600
    # Behind an HTTPS proxy (trusted, see LINEWISE_TRUSTED_PROXIES) the cookie is Secure.
    secure = settings.cookie_secure or request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="lax", secure=secure
    )
    return {"user": UserOut.model_validate(user), "csrf_token": csrf}


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(
    request: Request,
    _p: Principal = Depends(require(AUTHENTICATED)),
    db: Session = Depends(get_db),
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.close_session(db, token)
        db.flush()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/auth/me", response_model=UserOut, tags=["auth"])
def me(
    principal: Principal = Depends(require(AUTHENTICATED)),
    db: Session = Depends(get_db),
) -> Any:
    if principal.user_id is None:
        return {
            "id": 0,
            "username": principal.name,
            "full_name": f"API key ({principal.kind})",
            "role": principal.role,
            "active": True,
            "area_ids": [],
            "version": 0,
        }
    return UserOut.model_validate(get_or_404(db, User, principal.user_id))


@router.get("/users", response_model=PageOut[UserOut], tags=["users"])
def list_users(
    params: ListParams = Depends(list_params),
    _p: Principal = Depends(require("users:read")),
    db: Session = Depends(get_db),
) -> Any:
    return page_out(paginate(db, repository.users_listing(params), params), UserOut)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def create_user(
    body: UserIn,
    _p: Principal = Depends(require("users:write")),
    db: Session = Depends(get_db),
) -> Any:
    user = service.create_user(db, **body.model_dump())
    db.flush()
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut, tags=["users"])
def get_user(
    user_id: int,
    _p: Principal = Depends(require("users:read")),
    db: Session = Depends(get_db),
) -> Any:
    return UserOut.model_validate(get_or_404(db, User, user_id))


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def update_user(
    user_id: int,
    body: UserUpdate,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("users:write")),
    db: Session = Depends(get_db),
) -> Any:
    user = get_or_404(db, User, user_id)
    data = body.model_dump(exclude_unset=True)
    check_version(user.version, if_match, data.pop("version", None))
    if (pw := data.pop("password", None)) is not None:
        service.set_password(user, pw)
    if (area_ids := data.pop("area_ids", None)) is not None:
        user.areas = areas_by_ids(db, area_ids)
    for key, value in data.items():
        if value is not None:
            setattr(user, key, value)
    user.updated_at = utcnow()
    db.flush()
    return UserOut.model_validate(user)


@router.get("/api-keys", response_model=PageOut[ApiKeyOut], tags=["users"])
def list_api_keys(
    params: ListParams = Depends(list_params),
    _p: Principal = Depends(require("apikeys:write")),
    db: Session = Depends(get_db),
) -> Any:
    return page_out(paginate(db, repository.api_keys_listing(params), params), ApiKeyOut)


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201, tags=["users"])
def create_api_key(
    body: ApiKeyIn,
    _p: Principal = Depends(require("apikeys:write")),
    db: Session = Depends(get_db),
) -> Any:
    key, token = service.create_api_key(db, name=body.name, scope=body.scope, role=body.role)
    db.flush()
    return {**ApiKeyOut.model_validate(key).model_dump(), "token": token}


@router.delete("/api-keys/{key_id}", status_code=204, tags=["users"])
def revoke_api_key(
    key_id: int,
    _p: Principal = Depends(require("apikeys:write")),
    db: Session = Depends(get_db),
) -> Response:
    key = get_or_404(db, ApiKey, key_id)
    key.revoked_at = key.revoked_at or utcnow()
    db.flush()
    return Response(status_code=204)


__all__ = ["authenticate", "router"]
