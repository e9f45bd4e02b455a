"""TOTP at sign-in: required by default for supervisors, managers and admins; enrolment
with a QR code; one-time recovery codes stored hashed; an admin's reset."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.domains.accounts.models import MfaRecoveryCode, User
from tests.conftest import PASSWORD, World, login

DEFAULT = Settings.model_fields["mfa_required_roles"].default


@pytest.fixture
def mfa_app(settings: Settings, engine: Engine, world: World) -> FastAPI:
    from linewise.server.app import create_app

    return create_app(settings.model_copy(update={"mfa_required_roles": DEFAULT}), engine=engine)


@pytest.fixture
def client(mfa_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(mfa_app) as c:
        yield c


def password(client: TestClient, username: str) -> dict[str, object]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def enrol(client: TestClient, username: str) -> tuple[pyotp.TOTP, list[str]]:
    token = password(client, username)["mfa_token"]
    r = client.post("/api/v1/auth/mfa/enrol", json={"mfa_token": token})
    assert r.status_code == 200, r.text
    totp = pyotp.TOTP(r.json()["secret"])
    r = client.post("/api/v1/auth/mfa/enrol/confirm", json={"mfa_token": token, "code": totp.now()})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return totp, r.json()["recovery_codes"]


def test_the_default_requires_mfa_of_supervisors_managers_and_admins(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine, world: World
) -> None:
    from linewise.server.app import create_app

    # A site that sets nothing: the setting's own default, not the tests' "off".
    monkeypatch.delenv("LINEWISE_MFA_REQUIRED_ROLES", raising=False)
    default = Settings(database_url=settings.database_url)
    assert default.mfa_roles() == {"supervisor", "manager", "admin"}
    app = create_app(
        settings.model_copy(update={"mfa_required_roles": default.mfa_required_roles}),
        engine=engine,
    )
    with TestClient(app) as c:
        for role in ("supervisor", "manager", "admin"):
            body = password(c, role)
            assert body["mfa"] == "enrol" and body["user"] is None and body["csrf_token"] is None
            assert "lw_session" not in c.cookies
            assert c.get("/api/v1/auth/me").status_code == 401
        for role in ("operator", "planner"):
            body = password(c, role)
            assert body["mfa"] is None and body["user"]["role"] == role  # type: ignore[index]


def test_enrolment_then_codes_then_recovery_codes_once(client: TestClient, db: Session) -> None:
    token = password(client, "manager")["mfa_token"]
    r = client.post("/api/v1/auth/mfa/enrol", json={"mfa_token": token})
    setup = r.json()
    assert setup["qr_svg"].startswith("<svg") and "otpauth://totp/" in setup["otpauth_uri"]
    totp = pyotp.TOTP(setup["secret"])
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    r = client.post("/api/v1/auth/mfa/enrol/confirm", json={"mfa_token": token, "code": wrong})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    assert client.get("/api/v1/auth/me").status_code == 401
    enrolled_with = totp.now()
    confirm = {"mfa_token": token, "code": enrolled_with}
    r = client.post("/api/v1/auth/mfa/enrol/confirm", json=confirm)
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    me = client.get("/api/v1/auth/me").json()
    assert me["username"] == "manager" and me["mfa_enabled"] is True
    # Stored hashed only: no row holds a code.
    user = db.scalar(select(User).where(User.username == "manager"))
    assert user is not None
    hashes = set(
        db.scalars(select(MfaRecoveryCode.code_hash).where(MfaRecoveryCode.user_id == user.id))
    )
    plain = {c.replace("-", "") for c in codes} | set(codes)
    assert len(hashes) == 10 and not hashes & plain

    client.post("/api/v1/auth/logout")
    # The enrolment's code again: a replay within its 30 seconds is refused.
    body = password(client, "manager")
    assert body["mfa"] == "verify"
    # (The very code sent at enrolment: totp.now() here may already be the next step's
    # code when the 30 s boundary passed meanwhile, which is no replay.)
    verify = {"mfa_token": body["mfa_token"], "code": enrolled_with}
    assert client.post("/api/v1/auth/mfa/verify", json=verify).status_code == 401
    # The next step's code (clock drift of one step is allowed).
    verify["code"] = totp.at(time.time() + 30)
    r = client.post("/api/v1/auth/mfa/verify", json=verify)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["username"] == "manager"
    # The challenge was used up with the session.
    assert client.post("/api/v1/auth/mfa/verify", json=verify).status_code == 401

    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": r.json()["csrf_token"]})
    # A recovery code, typed in capitals without dashes, works once.
    typed = codes[3].replace("-", "").upper()
    token = password(client, "manager")["mfa_token"]
    r = client.post("/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": typed})
    assert r.status_code == 200, r.text
    token = password(client, "manager")["mfa_token"]
    r = client.post("/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": typed})
    assert r.status_code == 401


def test_wrong_codes_end_the_sign_in_and_are_throttled_across_sign_ins(
    client: TestClient, db: Session
) -> None:
    from linewise.domains.accounts.models import AuthChallenge

    enrol(client, "supervisor")
    token = password(client, "supervisor")["mfa_token"]
    for _ in range(5):
        r = client.post("/api/v1/auth/mfa/verify", json={"mfa_token": token, "code": "000000"})
        assert r.status_code == 401 and r.json()["errors"][0]["field"] == "code"
    # The challenge is spent: even the right code would not open it.
    failures = db.scalars(select(AuthChallenge.failures)).all()
    assert failures == [5]
    # A new challenge from the (known) password gives no fresh guesses: wrong codes
    # count for the account like wrong passwords, and the next sign-in must wait.
    body = {"username": "supervisor", "password": PASSWORD}
    r = client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_a_password_alone_never_opens_a_session_after_enrolment(client: TestClient) -> None:
    """Even for a role that need not have MFA: once on, it is asked for."""
    token = password(client, "operator")
    assert token["mfa"] is None
    client.headers["X-CSRF-Token"] = str(token["csrf_token"])
    setup = client.post("/api/v1/auth/me/mfa").json()
    totp = pyotp.TOTP(setup["secret"])
    r = client.post("/api/v1/auth/me/mfa/confirm", json={"code": totp.now()})
    assert r.status_code == 200 and len(r.json()["recovery_codes"]) == 10
    # A second setup is refused: a reset is an admin's.
    assert client.post("/api/v1/auth/me/mfa").status_code == 409
    assert password(client, "operator")["mfa"] == "verify"


def test_an_admin_resets_mfa_and_ends_the_users_sessions(
    mfa_app: FastAPI, client: TestClient, db: Session
) -> None:
    enrol(client, "supervisor")
    assert client.get("/api/v1/auth/me").status_code == 200
    with TestClient(mfa_app) as admin:
        enrol(admin, "admin")
        user_id = client.get("/api/v1/auth/me").json()["id"]
        r = admin.delete(f"/api/v1/users/{user_id}/mfa")
        assert r.status_code == 200 and r.json()["mfa_enabled"] is False
        with TestClient(mfa_app) as planner:
            login(planner, "planner")
            assert planner.delete(f"/api/v1/users/{user_id}/mfa").status_code == 403
    assert client.get("/api/v1/auth/me").status_code == 401  # signed out
    assert password(client, "supervisor")["mfa"] == "enrol"  # sets it up again
    assert not list(db.scalars(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id)))


def test_the_secret_never_enters_the_audit_log(client: TestClient, db: Session) -> None:
    from linewise.core.audit import AuditRecord

    totp, _ = enrol(client, "admin")
    rows = list(db.scalars(select(AuditRecord).where(AuditRecord.entity == "users")))
    assert rows, "the enrolment is audited"
    text = " ".join(f"{r.before} {r.after}" for r in rows)
    # That it changed is recorded; the secret itself is not.
    assert "'mfa_enabled': True" in text and "mfa_secret_changed" in text
    assert totp.secret not in text


def test_the_command_line_resets_a_locked_out_admin(
    client: TestClient,
    db: Session,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The only admin lost the phone and the recovery codes: whoever runs the server
    resets it from the command line."""
    from click.testing import CliRunner

    from linewise.cli.main import main
    from linewise.config import get_settings

    enrol(client, "admin")
    monkeypatch.setenv("LINEWISE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LINEWISE_AUDIT_CHECKPOINT", str(settings.audit_checkpoint))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(main, ["user", "reset-mfa", "admin"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    assert client.get("/api/v1/auth/me").status_code == 401  # the session ended
    assert password(client, "admin")["mfa"] == "enrol"
