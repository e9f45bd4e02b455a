"""Fixtures: the app on SQLite and on PostgreSQL, signed-in clients per role."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core import audit
from linewise.core.db import Base, make_engine, make_session_factory
from linewise.core.migrate import upgrade
from linewise.core.security import Role
from tests.services import PG_URL, missing

PASSWORD = "correct horse battery"
# Tests (and the servers they start) sign in as every role with a password alone: the
# default MFA requirement is off for them, and tested on its own (test_mfa.py).
os.environ.setdefault("LINEWISE_MFA_REQUIRED_ROLES", "")
BACKENDS = ["sqlite", "postgresql"]


# The suite runs on two pytest-xdist workers (`make test`). Tests that share something
# outside their own database run in one group, on one worker, one after the other: the
# MQTT tests share the broker's topic tree (`linewise/v1/...`), and the contract runs and
# crash tests each load both cores on their own, which would starve a timing-sensitive
# neighbour. A path ending in "/" names a whole folder.
SHARED_GROUPS = {
    "mqtt": (
        "tests/integration/ingest/test_mqtt.py",
        "tests/integration/ingest/test_hostile_ingest.py",
        "tests/unit/simulation/test_senders.py",
    ),
    # The solver's tests run CP-SAT on several threads; the decomposition test checks a
    # wall-clock time limit and must not share the cores with them.
    "solver": ("tests/unit/scheduling/",),
    "heavy": (
        "tests/contract/test_schemathesis.py",
        "tests/integration/alerts/test_outbox_crash.py",
        "tests/integration/ingest/test_crash.py",
        "tests/integration/jobs/test_crash.py",
    ),
}


# First: pytest-xdist's worker reads the markers in its own hook of this name, which
# runs before this file's unless told otherwise.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        for group, paths in SHARED_GROUPS.items():
            if any(path == p or (p.endswith("/") and path.startswith(p)) for p in paths):
                item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """On a loadgroup worker, refuse to run when pytest-xdist did not group the tests.

    xdist groups by a suffix it puts on the node ids of marked tests. Its hook used to run
    before the markers were set here, and pytest 9.2 keeps node ids where xdist 3.8 does
    not write: either way the groups silently ran side by side.
    """
    if not session.config.getoption("loadgroup", default=False):  # xdist workers only
        return
    for item in session.items:
        if any(item.iter_markers("xdist_group")) and "@" not in item.nodeid:
            raise pytest.UsageError(
                f"{item.nodeid} is in an xdist group but pytest-xdist did not group it: "
                "pytest and pytest-xdist do not fit together (see pyproject.toml)"
            )


def _pg_admin_url() -> str:
    return PG_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of this file (fast and isolated)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated once."""
    try:
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        missing(f"PostgreSQL at {PG_URL} ({exc.__class__.__name__})")
    name = f"linewise_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _pg_admin_url().rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_database: str) -> Iterator[Engine]:
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()


def _truncate_pg(engine: Engine) -> None:
    """Empty every table and restart its sequence for the next test.

    A TRUNCATE of all ~100 tables takes 0.4-0.7 s even when they are empty. Deleting only
    the written tables' rows took 10 ms but let a table's rows come back in another order
    (a read without ORDER BY once failed): a test starts from fresh tables instead.
    """
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


TEST_INGEST_MAX_PAST_S = 10 * 365 * 86_400


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "linewise.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _truncate_pg(eng)
        yield eng


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """The test's own session. On SQLite its transactions start deferred, so that a test
    reading the database does not hold the write lock the app under test needs."""
    audit.install()
    own = None
    if engine.dialect.name == "sqlite":
        own = make_engine(engine.url.render_as_string(hide_password=False), sqlite_immediate=False)
    session = make_session_factory(own or engine)()
    yield session
    session.close()
    if own is not None:
        own.dispose()


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    # Tests replay events at fixed dates, which age past the default ingest bound
    # (LINEWISE_INGEST_MAX_PAST_S, a month) as the calendar moves on: allow the maximum.
    # No in-app job workers: their minute-by-minute jobs (catch-up at start, KPI refresh,
    # alert evaluation) write while a test writes through its own session, which raced
    # ("database is locked" on SQLite, reordered audit rows on PostgreSQL). A test of the
    # workers asks for them with ``with_job_workers``.
    return Settings(
        database_url=str(engine.url.render_as_string(hide_password=False)),
        audit_checkpoint=tmp_path / "audit-checkpoint.json",
        ingest_max_past_s=TEST_INGEST_MAX_PAST_S,
        jobs_workers=0,
        documents_dir=str(tmp_path / "documents"),
        # A browser test or the API contract test sends hundreds of requests a minute as
        # one user: limited only where the limit is tested (tests/integration/ops).
        rate_limit_per_minute=1_000_000,
        rate_limit_device_per_minute=1_000_000,
        # Every role signs in with a password here; the default (TOTP for supervisors,
        # managers and admins) is tested in tests/integration/accounts/test_mfa.py.
        mfa_required_roles="",
    )


def with_job_workers(settings: Settings, workers: int = 2) -> Settings:
    """These settings with in-app job workers, for the tests of what they run."""
    return settings.model_copy(update={"jobs_workers": workers})


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    from linewise.server.app import create_app

    return create_app(settings, engine=engine)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The test world's users' password, as argon2id with the cheapest parameters.

    The product's parameters make a check take 0.2 s on purpose, and the suite signs in
    thousands of times (five roles a test). The parameters travel in the hash, so the
    server checks these as it checks any; users made through the product (``create_user``,
    the API) keep the product's parameters."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


@dataclass
class World:
    """A small factory: one site, two areas with a line each, users of every role."""

    site_id: int
    area_ids: dict[str, int]
    line_ids: dict[str, int]
    machine_ids: dict[str, int]
    product_id: int
    user_ids: dict[str, int]


@pytest.fixture
def world(db: Session, password_hash: str) -> World:
    from linewise.domains.accounts.models import User
    from linewise.domains.equipment.models import Area, Line, Machine, Site
    from linewise.domains.production.models import Product, RoutingStep, RoutingStepLine

    site = Site(code="P1", name="Plant 1", timezone="Europe/Berlin")
    smt = Area(site=site, code="SMT", name="SMT")
    tst = Area(site=site, code="TEST", name="Test")
    l1 = Line(area=smt, code="SMT-1", name="SMT line 1", type="SMT")
    l2 = Line(area=tst, code="TEST-1", name="Test line 1", type="TEST")
    m1 = Machine(line=l1, code="SMT-1-PNP1", name="Pick&place 1", kind="pnp", position=1)
    m2 = Machine(line=l2, code="TEST-1-ICT", name="ICT", kind="ict", position=1)
    product = Product(code="CTRL-100", name="Controller", family="ctrl")
    product.steps = [
        RoutingStep(
            seq=1,
            name="SMT",
            work_center_type="SMT",
            setup_time_s=900,
            setup_family="ctrl",
            skill="smt_operator",
            eligible=[RoutingStepLine(line=l1, cycle_time_s=30)],
        ),
        RoutingStep(
            seq=2,
            name="Test",
            work_center_type="TEST",
            skill="test_technician",
            eligible=[RoutingStepLine(line=l2, cycle_time_s=60)],
        ),
    ]
    db.add_all([site, m1, m2, product])
    db.flush()
    users = {}
    for role in Role:
        u = User(
            username=role.value,
            full_name=role.value.title(),
            password_hash=password_hash,
            role=role.value,
        )
        if role in (Role.OPERATOR, Role.SUPERVISOR):
            u.areas = [smt]
        db.add(u)
        users[role.value] = u
    db.commit()
    return World(
        site_id=site.id,
        area_ids={"SMT": smt.id, "TEST": tst.id},
        line_ids={"SMT-1": l1.id, "TEST-1": l2.id},
        machine_ids={"SMT-1-PNP1": m1.id, "TEST-1-ICT": m2.id},
        product_id=product.id,
        user_ids={k: v.id for k, v in users.items()},
    )


@contextmanager
def one_app(app: FastAPI, count: int) -> Iterator[list[TestClient]]:
    """``count`` clients of ``app`` whose startup and shutdown run once. Entering a second
    ``TestClient`` as a context starts the app a second time: a second planner, bus
    subscribers and disruption watcher beside the first, each with its own listeners, so
    a test waiting on one may watch the other do the work."""
    with TestClient(app) as first:
        yield [first, *(TestClient(app) for _ in range(count - 1))]


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_role(app: FastAPI, world: World) -> Iterator[dict[str, TestClient]]:
    """A signed-in client for every role."""
    clients = {}
    for role in Role:
        c = TestClient(app)
        clients[role.value] = login(c, role.value)
    yield clients
    for c in clients.values():
        c.close()
