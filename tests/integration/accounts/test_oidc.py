"""Single sign-on against a real OpenID provider (panva's oidc-provider, run by node):
authorization code with PKCE, the groups claim mapped to roles and areas, local
accounts beside it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.domains.accounts.models import User
from tests.conftest import PASSWORD, World, login
from tests.oidc.provider import OidcProvider, running_provider, sign_in_at_provider

BASE = "http://testserver"
CALLBACK = f"{BASE}/api/v1/auth/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with running_provider([CALLBACK]) as p:
        yield p


@pytest.fixture
def sso_app(settings: Settings, engine: Engine, world: World, provider: OidcProvider) -> FastAPI:
    from linewise.server.app import create_app

    return create_app(settings.model_copy(update=provider.settings_update()), engine=engine)


@pytest.fixture
def client(sso_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(sso_app, follow_redirects=False) as c:
        yield c


def sign_on(client: TestClient, who: str) -> str:
    """The whole redirect dance; where the app sends the browser in the end."""
    r = client.get("/api/v1/auth/oidc/login")
    assert r.status_code == 302, r.text
    back = sign_in_at_provider(r.headers["location"], who, CALLBACK)
    r = client.get(back.removeprefix(BASE))
    assert r.status_code == 302, r.text
    return str(r.headers["location"])


def test_the_login_page_learns_of_the_provider(client: TestClient) -> None:
    body = client.get("/api/v1/auth/providers").json()
    assert body == {"oidc_name": "Test IdP", "oidc_login_url": "/api/v1/auth/oidc/login"}


def test_authorization_request_uses_pkce_state_and_nonce(
    client: TestClient, provider: OidcProvider
) -> None:
    r = client.get("/api/v1/auth/oidc/login")
    url = urlsplit(r.headers["location"])
    assert f"{url.scheme}://{url.netloc}" == provider.issuer
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert q["response_type"] == "code" and q["code_challenge_method"] == "S256"
    assert len(q["code_challenge"]) == 43 and q["state"] and q["nonce"]
    assert q["redirect_uri"] == CALLBACK and "groups" in q["scope"].split()
    assert r.cookies.get("linewise_oidc_state") == q["state"]


def test_groups_map_to_role_and_areas_and_the_session_works(
    client: TestClient, db: Session
) -> None:
    assert sign_on(client, "alice") == "/"
    me = client.get("/api/v1/auth/me").json()
    assert me["username"] == "alice" and me["full_name"] == "Alice Adler"
    assert me["role"] == "supervisor" and me["auth_source"] == "oidc"
    assert [a["name"] for a in me["areas"]] == ["SMT"]
    user = db.scalar(select(User).where(User.username == "alice"))
    assert user is not None and user.external_id and user.external_id.endswith("|alice")
    # A second sign-on finds the same account.
    client.cookies.clear()
    assert sign_on(client, "alice") == "/"
    db.expire_all()
    assert len(list(db.scalars(select(User).where(User.username == "alice")))) == 1


def test_the_highest_mapped_role_wins(client: TestClient) -> None:
    sign_on(client, "bob")
    assert client.get("/api/v1/auth/me").json()["role"] == "admin"


def test_a_user_in_no_mapped_group_is_refused(client: TestClient, db: Session) -> None:
    where = sign_on(client, "carol")
    assert where.startswith("/?sso_error=")
    assert "no+group" in where or "no%20group" in where
    assert client.get("/api/v1/auth/me").status_code == 401
    assert db.scalar(select(User).where(User.username == "carol")) is None


def test_a_callback_from_another_browser_or_a_replay_is_refused(client: TestClient) -> None:
    r = client.get("/api/v1/auth/oidc/login")
    back = sign_in_at_provider(r.headers["location"], "alice", CALLBACK)
    # Another browser (no state cookie) cannot finish it.
    with TestClient(client.app, follow_redirects=False) as other:
        r2 = other.get(back.removeprefix(BASE))
        assert r2.headers["location"].startswith("/?sso_error=")
        assert other.get("/api/v1/auth/me").status_code == 401
    r = client.get(back.removeprefix(BASE))
    assert r.headers["location"] == "/"
    # The same code and state again: the sign-on was used up.
    client.cookies.set("linewise_oidc_state", parse_qs(urlsplit(back).query)["state"][0])
    client.cookies.delete("lw_session")
    r = client.get(back.removeprefix(BASE))
    assert r.headers["location"].startswith("/?sso_error=")


def test_local_accounts_stay_and_sso_accounts_have_no_password(client: TestClient) -> None:
    login(client, "planner")
    assert client.get("/api/v1/auth/me").json()["auth_source"] == "local"
    client.cookies.clear()
    sign_on(client, "alice")
    client.cookies.clear()
    r = client.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 401


def test_a_disabled_sso_account_is_refused(client: TestClient, db: Session) -> None:
    sign_on(client, "alice")
    db.expire_all()
    user = db.scalar(select(User).where(User.username == "alice"))
    assert user is not None
    user.active = False
    db.commit()
    client.cookies.clear()
    where = sign_on(client, "alice")
    assert where.startswith("/?sso_error=") and "disabled" in where


def test_the_group_mapping() -> None:
    from linewise.domains.accounts.oidc import Mapping

    m = Mapping.of(
        Settings(
            oidc_group_roles='{"ops": "operator", "leads": "supervisor", "it": "admin"}',
            oidc_group_areas='{"smt": ["SMT"], "both": ["SMT", "Test"]}',
        )
    )
    assert m.role_of(["ops", "leads"]) == "supervisor"
    assert m.role_of(["it", "ops"]) == "admin"
    assert m.role_of(["finance"]) is None
    assert m.areas_of(["smt", "both", "ops"]) == ["SMT", "Test"]
    with pytest.raises(ValueError):
        Mapping.of(Settings(oidc_group_roles='{"x": "emperor"}'))


def test_a_wrong_mapping_stops_the_start(settings: Settings, engine: Engine) -> None:
    from linewise.server.app import create_app

    wrong = settings.model_copy(
        update={
            "oidc_issuer": "http://127.0.0.1:9",
            "oidc_client_id": "x",
            "oidc_group_roles": '{"x": "emperor"}',
        }
    )
    with pytest.raises(ValueError, match="emperor"):
        create_app(wrong, engine=engine)
