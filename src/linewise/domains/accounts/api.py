"""Routes for sign-in, users and API keys."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import RedirectResponse
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
from linewise.api.errors import problem_response
from linewise.core.errors import Conflict, FieldError, Forbidden, NotFound, Unauthorized
from linewise.core.query import ListParams, paginate
from linewise.core.security import AUTHENTICATED, PUBLIC, permissions_of, same
from linewise.core.time import utcnow
from linewise.domains.accounts import mfa, oidc, repository, service
from linewise.domains.accounts.models import ApiKey, User
from linewise.domains.accounts.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AreaRef,
    AuthProvidersOut,
    BadgeLoginOut,
    LoginIn,
    LoginOut,
    MeOut,
    MfaCodeIn,
    MfaConfirmIn,
    MfaEnabledOut,
    MfaEnrolConfirmIn,
    MfaSetupOut,
    MfaTokenIn,
    PasswordLoginOut,
    SessionsEnded,
    UserIn,
    UserOut,
    UserUpdate,
)
from linewise.domains.equipment.service import areas_by_ids
from linewise.domains.terminal import service as terminal
from linewise.domains.terminal.schemas import BadgeIn

router = APIRouter()


@router.post("/auth/login", response_model=PasswordLoginOut, tags=["auth"])
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    limiter: service.LoginLimiter = request.app.state.login_limiter
    # The peer address; uvicorn replaces it by X-Forwarded-For only from trusted proxies.
    address = request.client.host if request.client else "unknown"
    limiter.check(body.username, address)
    try:
        user = service.authenticate_password(db, body.username, body.password)
    except Unauthorized:
        limiter.failed(body.username, address)
        raise
    settings = request.app.state.settings
    if user.mfa_enabled:
        # Not yet a success for the throttle: wrong codes must keep counting across the
        # challenges a known password can open (cleared when the code is right).
        return {"mfa": mfa.VERIFY, "mfa_token": mfa.open_challenge(db, user, mfa.VERIFY)}
    limiter.succeeded(body.username, address)
    if mfa.required(user, settings.mfa_roles()):
        return {"mfa": mfa.ENROL, "mfa_token": mfa.open_challenge(db, user, mfa.ENROL)}
    csrf = _start_session(request, response, db, user)
    return {"user": _me(user), "csrf_token": csrf}


def _start_session(request: Request, response: Response, db: Session, user: User) -> str:
    """Open a session for ``user`` and set its cookies; returns the CSRF token."""
    settings = request.app.state.settings
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
    return csrf


@router.post("/auth/badge", response_model=BadgeLoginOut, tags=["auth"])
def badge_login(
    body: BadgeIn,
    request: Request,
    response: Response,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    """Sign in at a terminal by badge number and PIN (throttled like passwords)."""
    limiter: service.LoginLimiter = request.app.state.login_limiter
    address = request.client.host if request.client else "unknown"
    account = f"badge:{body.badge}"
    limiter.check(account, address)
    try:
        operator, user = terminal.authenticate_badge(db, body.badge, body.pin)
    except Unauthorized:
        limiter.failed(account, address)
        raise
    limiter.succeeded(account, address)
    csrf = _start_session(request, response, db, user)
    return {
        "user": _me(user),
        "csrf_token": csrf,
        "operator": {
            "id": operator.id,
            "code": operator.code,
            "name": operator.name,
            "badge": operator.badge,
        },
    }


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


@router.post("/auth/logout-everywhere", response_model=SessionsEnded, tags=["auth"])
def logout_everywhere(
    response: Response,
    principal: Principal = Depends(require(AUTHENTICATED)),
    db: Session = Depends(get_db),
) -> Any:
    """Sign the caller out on every device, this one included (a lost phone, a shared
    terminal left signed in)."""
    if principal.user_id is None:
        raise Unauthorized("an API key has no sessions; revoke the key instead")
    ended = service.end_sessions(db, principal.user_id)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return {"ended": ended}


@router.get("/auth/me", response_model=MeOut, tags=["auth"])
def me(
    principal: Principal = Depends(require(AUTHENTICATED)),
    db: Session = Depends(get_db),
) -> Any:
    if principal.user_id is None:
        return MeOut(
            id=0,
            username=principal.name,
            full_name=f"API key ({principal.kind})",
            role=principal.role,
            active=True,
            area_ids=[],
            version=0,
            permissions=permissions_of(principal.role),
            areas=[],
        )
    user = get_or_404(db, User, principal.user_id)
    return _me(user)


def _me(user: User) -> MeOut:
    base = UserOut.model_validate(user).model_dump()
    return MeOut(
        **base,
        permissions=permissions_of(user.role),
        areas=[AreaRef(id=a.id, name=a.name) for a in sorted(user.areas, key=lambda a: a.name)],
    )


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
    request: Request,
    if_match: str | None = Header(None),
    _p: Principal = Depends(require("users:write")),
    db: Session = Depends(get_db),
) -> Any:
    user = get_or_404(db, User, user_id)
    data = body.model_dump(exclude_unset=True)
    check_version(user.version, if_match, data.pop("version", None))
    if (pw := data.pop("password", None)) is not None:
        service.reset_password(db, user, pw, keep_token=request.cookies.get(SESSION_COOKIE))
    if (area_ids := data.pop("area_ids", None)) is not None:
        user.areas = areas_by_ids(db, area_ids)
    for key, value in data.items():
        if value is not None:
            setattr(user, key, value)
    user.updated_at = utcnow()
    db.flush()
    return UserOut.model_validate(user)


@router.delete("/users/{user_id}/sessions", response_model=SessionsEnded, tags=["users"])
def end_user_sessions(
    user_id: int,
    request: Request,
    _p: Principal = Depends(require("users:write")),
    db: Session = Depends(get_db),
) -> Any:
    """Sign a user out everywhere (an admin's own session here stays)."""
    user = get_or_404(db, User, user_id)
    ended = service.end_sessions(db, user.id, keep_token=request.cookies.get(SESSION_COOKIE))
    return {"ended": ended}


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


# Identity (issue 25): the second factor at sign-in, its enrolment, single sign-on.


@router.post("/auth/mfa/verify", response_model=LoginOut, tags=["auth"])
def mfa_verify(
    body: MfaCodeIn,
    request: Request,
    response: Response,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    """The sign-in's second step: a code from the authenticator app, or a recovery code.
    Wrong codes count as failed sign-ins of the account (the password's throttle), so
    new challenges opened with a known password do not give endless guesses."""
    limiter: service.LoginLimiter = request.app.state.login_limiter
    address = request.client.host if request.client else "unknown"
    username = mfa.challenged_user(db, body.mfa_token).username
    limiter.check(username, address)
    user = mfa.sign_in_with_code(db, body.mfa_token, body.code)
    if user is None:
        # Answered, not raised: the failure is counted (five end the sign-in).
        limiter.failed(username, address)
        db.flush()
        wrong = Unauthorized("wrong code", errors=[FieldError("code", "does not match")])
        return problem_response(wrong, request)
    limiter.succeeded(username, address)
    csrf = _start_session(request, response, db, user)
    return {"user": _me(user), "csrf_token": csrf}


@router.post("/auth/mfa/enrol", response_model=MfaSetupOut, tags=["auth"])
def mfa_enrol_start(
    body: MfaTokenIn,
    request: Request,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    """A sign-in that must set up MFA first: a new secret and its QR code."""
    return mfa.enrolment_of(db, body.mfa_token, request.app.state.settings.mfa_issuer)


@router.post("/auth/mfa/enrol/confirm", response_model=MfaEnabledOut, tags=["auth"])
def mfa_enrol_confirm(
    body: MfaEnrolConfirmIn,
    request: Request,
    response: Response,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    """The app's first code turns MFA on and finishes the sign-in."""
    user, codes = mfa.finish_enrolment(db, body.mfa_token, body.code)
    csrf = _start_session(request, response, db, user)
    return {"recovery_codes": codes, "user": _me(user), "csrf_token": csrf}


@router.post("/auth/me/mfa", response_model=MfaSetupOut, tags=["auth"])
def my_mfa_start(
    request: Request,
    principal: Principal = Depends(require(AUTHENTICATED)),
    db: Session = Depends(get_db),
) -> Any:
    """Set up MFA for oneself (any local account may)."""
    user = _local_self(db, principal)
    return mfa.start_enrolment(user, request.app.state.settings.mfa_issuer)


@router.post("/auth/me/mfa/confirm", response_model=MfaEnabledOut, tags=["auth"])
def my_mfa_confirm(
    body: MfaConfirmIn,
    principal: Principal = Depends(require(AUTHENTICATED)),
    db: Session = Depends(get_db),
) -> Any:
    user = _local_self(db, principal)
    return {"recovery_codes": mfa.confirm_enrolment(db, user, body.code)}


@router.delete("/users/{user_id}/mfa", response_model=UserOut, tags=["users"])
def reset_user_mfa(
    user_id: int,
    request: Request,
    _p: Principal = Depends(require("users:write")),
    db: Session = Depends(get_db),
) -> Any:
    """Reset a user's MFA (a lost phone): his sessions end, and his next sign-in sets it
    up again where his role requires it."""
    user = get_or_404(db, User, user_id)
    mfa.reset(db, user)
    service.end_sessions(db, user.id, keep_token=request.cookies.get(SESSION_COOKIE))
    user.updated_at = utcnow()
    db.flush()
    return UserOut.model_validate(user)


@router.get("/auth/providers", response_model=AuthProvidersOut, tags=["auth"])
def auth_providers(
    request: Request,
    _p: Principal = Depends(require(PUBLIC)),
) -> Any:
    settings = request.app.state.settings
    if not oidc.enabled(settings):
        return AuthProvidersOut()
    return AuthProvidersOut(
        oidc_name=settings.oidc_provider_name, oidc_login_url="/api/v1/auth/oidc/login"
    )


OIDC_STATE_COOKIE = "linewise_oidc_state"


@router.get("/auth/oidc/login", status_code=302, response_class=RedirectResponse, tags=["auth"])
def oidc_login(
    request: Request,
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    """Start single sign-on: to the provider, with PKCE, state and nonce."""
    settings = request.app.state.settings
    if not oidc.enabled(settings):
        raise NotFound("single sign-on is not configured")
    url, state = oidc.begin(db, settings, _redirect_uri(request))
    db.flush()
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        OIDC_STATE_COOKIE,
        state,
        max_age=oidc.LOGIN_MINUTES * 60,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back
        secure=settings.cookie_secure or request.url.scheme == "https",
        path="/api/v1/auth/oidc",
    )
    return response


@router.get("/auth/oidc/callback", status_code=302, response_class=RedirectResponse, tags=["auth"])
def oidc_callback(
    request: Request,
    code: str | None = Query(None, max_length=2000),
    state: str | None = Query(None, max_length=200),
    error: str | None = Query(None, max_length=200),
    _p: Principal = Depends(require(PUBLIC)),
    db: Session = Depends(get_db),
) -> Any:
    """The provider sends the browser back here: a session, then the UI's start page;
    or the login page with the reason."""
    settings = request.app.state.settings
    if not oidc.enabled(settings):
        raise NotFound("single sign-on is not configured")
    try:
        if error or not code or not state:
            raise Unauthorized(f"the provider did not sign you in ({error or 'no code'})")
        if not same(request.cookies.get(OIDC_STATE_COOKIE, ""), state):
            raise Unauthorized("this sign-on was not started in this browser; try again")
        user = oidc.finish(db, settings, _redirect_uri(request), code=code, state=state)
        db.info["actor"] = f"user:{user.username}"
        db.flush()
    except (Unauthorized, Forbidden, Conflict) as exc:
        db.rollback()
        response = RedirectResponse("/?" + urlencode({"sso_error": exc.detail}), 302)
        response.delete_cookie(OIDC_STATE_COOKIE, path="/api/v1/auth/oidc")
        return response
    response = RedirectResponse("/", status_code=302)
    _start_session(request, response, db, user)
    response.delete_cookie(OIDC_STATE_COOKIE, path="/api/v1/auth/oidc")
    return response


def _redirect_uri(request: Request) -> str:
    configured: str = request.app.state.settings.oidc_redirect_url
    return configured or str(request.base_url).rstrip("/") + oidc.CALLBACK_PATH


def _local_self(db: Session, principal: Principal) -> User:
    if principal.user_id is None:
        raise Unauthorized("an API key has no second factor")
    user = get_or_404(db, User, principal.user_id)
    if user.auth_source != "local":
        raise Conflict("single sign-on accounts get their second factor from the provider")
    return user


__all__ = ["authenticate", "router"]
