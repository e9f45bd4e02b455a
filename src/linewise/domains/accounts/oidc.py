"""Single sign-on with OpenID Connect: the authorization code flow with PKCE (S256),
through Authlib's OAuth 2 client and joserfc's ID token checks.

The provider's groups claim decides the role (the highest of the mapped groups) and the
areas of the account, at every sign-in: the provider is the source of truth for SSO
accounts. Local accounts stay as they are (docs/security.md).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.errors import Conflict, Forbidden, Unauthorized
from linewise.core.security import Role, hash_password, new_token, token_digest
from linewise.core.time import utcnow
from linewise.domains.accounts.models import OidcLogin, User
from linewise.domains.equipment.models import Area

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

log = logging.getLogger(__name__)

LOGIN_MINUTES = 10
CALLBACK_PATH = "/api/v1/auth/oidc/callback"
# From the least to the most a role may do: a user in several groups gets the last.
_RANK = [Role.OPERATOR, Role.SUPERVISOR, Role.PLANNER, Role.MANAGER, Role.ADMIN]
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


@dataclass(frozen=True)
class Mapping:
    roles: dict[str, Role]
    areas: dict[str, list[str]]

    @classmethod
    def of(cls, settings: Settings) -> Mapping:
        roles = json.loads(settings.oidc_group_roles or "{}")
        areas = json.loads(settings.oidc_group_areas or "{}")
        return cls(
            roles={str(g): Role(r) for g, r in roles.items()},
            areas={str(g): [str(a) for a in names] for g, names in areas.items()},
        )

    def role_of(self, groups: list[str]) -> Role | None:
        mapped = [self.roles[g] for g in groups if g in self.roles]
        return max(mapped, key=_RANK.index) if mapped else None

    def areas_of(self, groups: list[str]) -> list[str]:
        return sorted({a for g in groups for a in self.areas.get(g, [])})


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


_metadata: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document, cached for 10 minutes."""
    issuer = settings.oidc_issuer.rstrip("/")
    with _lock:
        cached = _metadata.get(issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    try:
        r = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        r.raise_for_status()
        doc: dict[str, Any] = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("OpenID provider %s unreachable: %s", issuer, exc)
        raise Unauthorized("the sign-on provider cannot be reached; try again later") from exc
    if doc.get("issuer", "").rstrip("/") != issuer:
        raise Unauthorized("the sign-on provider's issuer does not match the configuration")
    with _lock:
        _metadata[issuer] = (time.monotonic() + 600, doc)
    return doc


def _client(settings: Settings, redirect_uri: str) -> OAuth2Client:
    with warnings.catch_warnings():
        # Authlib would have httpx's successor; the httpx it supports is the one here.
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=(
            "client_secret_basic" if settings.oidc_client_secret else "none"
        ),
        timeout=10,
    )


def begin(db: Session, settings: Settings, redirect_uri: str) -> tuple[str, str]:
    """Start a sign-on: the provider's URL to send the browser to, and the state (kept
    in a cookie too, so that only the browser that started it can finish it)."""
    doc = metadata(settings)
    state, nonce, verifier = new_token(24), new_token(24), generate_token(64)
    now = utcnow()
    db.execute(delete(OidcLogin).where(OidcLogin.expires_at < now))
    db.add(
        OidcLogin(
            state_hash=token_digest(state),
            code_verifier=verifier,
            nonce=nonce,
            expires_at=now + timedelta(minutes=LOGIN_MINUTES),
        )
    )
    with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            doc["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return url, state


def finish(db: Session, settings: Settings, redirect_uri: str, *, code: str, state: str) -> User:
    """Exchange the code (with the PKCE verifier), check the ID token, map the groups,
    and return the account, created or brought up to date."""
    login = db.scalar(select(OidcLogin).where(OidcLogin.state_hash == token_digest(state)))
    if login is None or login.expires_at < utcnow():
        raise Unauthorized("the sign-on has expired or was not started here; try again")
    db.delete(login)  # used once
    doc = metadata(settings)
    try:
        with _client(settings, redirect_uri) as client:
            token = client.fetch_token(
                doc["token_endpoint"], code=code, code_verifier=login.code_verifier
            )
            claims = _id_token_claims(settings, doc, str(token.get("id_token", "")), login.nonce)
            if doc.get("userinfo_endpoint"):
                r = client.get(doc["userinfo_endpoint"])
                r.raise_for_status()
                info = r.json()
                if info.get("sub") != claims["sub"]:
                    raise Unauthorized("the provider's user info is for someone else")
                claims = {**info, **claims}
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.warning("single sign-on failed: %s", exc)
        raise Unauthorized("the sign-on provider refused the sign-in") from exc
    except Exception as exc:  # Authlib's OAuthError: a refused code
        if type(exc).__module__.startswith("authlib"):
            log.warning("single sign-on failed: %s", exc)
            raise Unauthorized("the sign-on provider refused the sign-in") from exc
        raise
    return _account(db, settings, claims)


def _id_token_claims(
    settings: Settings, doc: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    if not id_token:
        raise Unauthorized("the provider sent no ID token")
    try:
        keys = KeySet.import_key_set(httpx.get(doc["jwks_uri"], timeout=10).json())
        decoded = jwt.decode(id_token, keys, algorithms=_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": doc["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
            leeway=60,
        ).validate(decoded.claims)
    except JoseError as exc:
        log.warning("ID token refused: %s", exc)
        raise Unauthorized("the provider's ID token is not valid") from exc
    return dict(decoded.claims)


def _account(db: Session, settings: Settings, claims: dict[str, Any]) -> User:
    mapping = Mapping.of(settings)
    raw_groups = claims.get(settings.oidc_groups_claim) or []
    groups = [str(g) for g in raw_groups] if isinstance(raw_groups, list) else [str(raw_groups)]
    role = mapping.role_of(groups)
    external_id = f"{claims['iss']}|{claims['sub']}"
    username = str(claims.get(settings.oidc_username_claim) or claims["sub"])[:80]
    if role is None:
        raise Forbidden(f"'{username}' is in no group that Linewise maps to a role")
    user = db.scalar(select(User).where(User.external_id == external_id))
    if user is None:
        if db.scalar(select(User).where(User.username == username)) is not None:
            raise Conflict(
                f"a local account '{username}' exists; an admin must remove or rename it "
                "before its owner signs on through the provider"
            )
        user = User(
            username=username,
            password_hash=hash_password(new_token()),  # never told to anyone
            auth_source="oidc",
            external_id=external_id,
            active=True,
        )
        db.add(user)
    if not user.active:
        raise Unauthorized("this account is disabled")
    user.role = role
    user.full_name = str(claims.get("name") or user.full_name or username)[:200]
    names = mapping.areas_of(groups)
    user.areas = list(db.scalars(select(Area).where(Area.name.in_(names)).order_by(Area.id)))
    user.updated_at = utcnow()
    return user
