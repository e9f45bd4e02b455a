"""A real `linewise serve` process for tests that need several processes or a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

import httpx

from tests.services import wait_until


class Server:
    def __init__(self, url: str, port: int) -> None:
        self.env = {
            # Events at fixed dates in tests age past the default bound of a month.
            "LINEWISE_INGEST_MAX_PAST_S": str(10 * 365 * 86_400),
            # A test server takes hundreds of requests a minute from one user (the API
            # contract test): the rate limit is tested in tests/integration/ops.
            "LINEWISE_RATE_LIMIT_PER_MINUTE": "0",
            "LINEWISE_RATE_LIMIT_DEVICE_PER_MINUTE": "0",
            # Servers here start and stop many times (kill -9 tests): the assistant's
            # model is loaded by the first question that needs it, not at each start.
            "LINEWISE_ASSISTANT_WARM_UP": "false",
            # No scheduled backups of a test database into the working directory.
            "LINEWISE_BACKUP_DIR": "",
            # Tracebacks in a failing test's server log read better as text.
            "LINEWISE_LOG_FORMAT": "text",
            # Every role signs in with a password alone (MFA is tested on its own).
            "LINEWISE_MFA_REQUIRED_ROLES": "",
            **os.environ,
            "LINEWISE_DATABASE_URL": url,
            "LINEWISE_PORT": str(port),
        }
        # The audit checkpoint of this test's database, not the working directory's var/.
        checkpoint = os.path.join(tempfile.mkdtemp(prefix="linewise-audit-"), "checkpoint.json")
        self.env.setdefault("LINEWISE_AUDIT_CHECKPOINT", checkpoint)
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "linewise.cli.main", "serve", "--no-upgrade"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up() -> bool:
            try:
                return httpx.get(f"{self.base}/api/v1/health", timeout=0.5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=90, what="the server to answer")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                # A server hung in a request (its graceful shutdown waits for it) would
                # keep its transactions open and block every later test's clean-up.
                self.proc.kill()
                self.proc.wait(10)
                raise
