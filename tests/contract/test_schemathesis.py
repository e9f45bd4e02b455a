"""The API keeps its OpenAPI contract under generated input (schemathesis).

A real `linewise serve` on a small demo factory, on SQLite and on PostgreSQL, signed in
as admin and as operator. Schemathesis runs its coverage (as admin), fuzzing and
stateful phases with a bounded number of examples per operation and a fixed seed (so a
failure is reproducible and CI is not a lottery), and checks: no server error, every
status documented, every response body valid against its documented schema.

The run is the schemathesis CLI in a child process: it drives all phases, stateful
included, and writes a JSON report whose figures the test reads (and prints with -s).
Environment knobs for a deeper run by hand: LINEWISE_CONTRACT_MAX_EXAMPLES,
LINEWISE_CONTRACT_SEED, LINEWISE_CONTRACT_PHASES.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.demo.factory import build_factory
from linewise.demo.load import DEMO_PASSWORD, load_factory
from tests.servers import Server
from tests.services import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
MAX_EXAMPLES = os.environ.get("LINEWISE_CONTRACT_MAX_EXAMPLES", "3")
SEED = os.environ.get("LINEWISE_CONTRACT_SEED", "16")
# The coverage phase (boundary values and wrong types for every parameter, about 5,000
# requests) is most of a run's time; it runs as admin, who may call every operation, on
# PostgreSQL, the stricter backend (integer ranges, string lengths and types are enforced
# there and not by SQLite). As operator most writes stop at 403, and on SQLite the input
# validation it exercises is the same code, so the randomised and stateful phases
# suffice there.
FULL_PHASES = "examples,coverage,fuzzing,stateful"
QUICK_PHASES = "examples,fuzzing,stateful"


def _phases(role: str, backend: str) -> str:
    return FULL_PHASES if (role, backend) == ("admin", "postgresql") else QUICK_PHASES


EXCLUDED_PATHS = (
    # Signing out ends the session the whole run acts with.
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-everywhere",
)

# A run is about 1-2 minutes on an idle 2-core machine; the limits leave room for a busy one.
RUN_TIMEOUT_S = 900
pytestmark = [pytest.mark.slow, pytest.mark.timeout(RUN_TIMEOUT_S + 120)]


class LoggedServer(Server):
    """`linewise serve` with its log kept, so that a failure can show the traceback."""

    def __init__(self, url: str, port: int, log: Path) -> None:
        super().__init__(url, port)
        self.log = log

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "linewise.cli.main", "serve", "--no-upgrade"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

        def up() -> bool:
            try:
                return httpx.get(f"{self.base}/api/v1/health", timeout=0.5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=90, what="the server to answer")


@pytest.fixture
def server(settings: Settings, db: Session, tmp_path: Path) -> Iterator[LoggedServer]:
    # A few orders are enough for every route to have something to find; the demo users
    # (one per role, the operator and supervisor scoped to areas) are the callers.
    load_factory(db, build_factory(orders=8))
    db.commit()
    srv = LoggedServer(settings.database_url, free_port(), tmp_path / "server.log")
    srv.start()
    yield srv
    srv.stop()


def _sign_in(base: str, username: str) -> tuple[str, str, dict[str, object]]:
    r = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.cookies["lw_session"], r.json()["csrf_token"], r.json()["user"]


def _tracebacks(log: Path, limit: int = 6000) -> str:
    text = log.read_text(errors="replace")
    cut = text.find("Traceback")
    return text[cut:][-limit:] if cut >= 0 else "(no traceback in the server log)"


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_the_api_keeps_its_contract(
    server: LoggedServer, role: str, engine: Engine, tmp_path: Path
) -> None:
    session, csrf, user = _sign_in(server.base, role)
    report = tmp_path / "schemathesis.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{server.base}/api/v1/openapi.json",
        "--header",
        f"Cookie: lw_session={session}",
        "--header",
        f"X-CSRF-Token: {csrf}",
        "--checks",
        CHECKS,
        "--phases",
        os.environ.get("LINEWISE_CONTRACT_PHASES", _phases(role, engine.dialect.name)),
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *(arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "SCHEMATHESIS_HOOKS": "tests.contract.schemathesis_hooks",
        "LINEWISE_CONTRACT_USER_ID": str(user["id"]),
        "NO_COLOR": "1",
        "COLUMNS": "120",
    }
    # In tmp_path: the CLI keeps a cache folder in its working directory.
    run = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert report.exists(), run.stdout[-4000:] + run.stderr[-4000:]
    figures = json.loads(report.read_text())
    print(_summary(role, figures))

    # The run acted as its user from start to end (a lost session tests only 401s).
    me = httpx.get(f"{server.base}/api/v1/auth/me", cookies={"lw_session": session}, timeout=10)
    assert me.status_code == 200 and me.json()["role"] == role, me.text

    assert figures["complete"], run.stdout[-6000:]
    assert figures["operations"]["tested"] > 100, figures["operations"]
    assert not figures["errors"], (
        str(figures["errors"])
        + "\n"
        + run.stdout[run.stdout.find("ERRORS") :][:8000]
        + _tracebacks(server.log)
    )
    assert figures["failures"] == [], (
        run.stdout[run.stdout.find("FAILURES") :][:20000] + "\n" + _tracebacks(server.log)
    )


def _summary(role: str, figures: dict[str, object]) -> str:
    ops = figures["operations"]
    cases = figures["test_cases"]
    failures = figures["failures"]
    assert isinstance(ops, dict) and isinstance(cases, dict) and isinstance(failures, list)
    kinds = ", ".join(f"{f['title']} {f['count']}" for f in failures) or "none"
    return (
        f"\nschemathesis as {role}: {ops['tested']} operations, {cases['generated']} test "
        f"cases in {figures['running_time']:.0f} s; failures: {kinds}"
    )
