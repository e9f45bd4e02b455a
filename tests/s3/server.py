"""Start a real S3-compatible server (s3rver, run by node; installed by `make s3-server`)
on a free port, with its data in a temporary directory, for the document store tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.services import free_port, missing, wait_until

HERE = Path(__file__).resolve().parent
SERVER = HERE / "node_modules" / "s3rver" / "bin" / "s3rver.js"
BUCKET = "linewise-test"
# s3rver's one account; it checks every request's signature against this pair.
ACCESS_KEY = "S3RVER"
SECRET_KEY = "S3RVER"
REGION = "us-east-1"


@dataclass
class S3Server:
    url: str
    data_dir: Path

    def settings_update(self, prefix: str = "") -> dict[str, str]:
        return {
            "documents_s3_url": self.url,
            "documents_s3_bucket": BUCKET,
            "documents_s3_access_key": ACCESS_KEY,
            "documents_s3_secret_key": SECRET_KEY,
            "documents_s3_region": REGION,
            "documents_s3_prefix": prefix,
        }


@contextmanager
def running_s3(data_dir: Path) -> Iterator[S3Server]:
    node = shutil.which("node")
    if node is None or not SERVER.is_file():
        # Skips locally, fails in CI (LINEWISE_REQUIRE_SERVICES=1), like every service.
        missing("the test S3 server (make s3-server)")
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [node, str(SERVER), "--directory", str(data_dir), "--address", "127.0.0.1",
         "--port", str(port), "--silent", "--configure-bucket", BUCKET],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"the S3 server exited: {out}")
        try:
            # Anonymous: refused, but only once the server answers.
            return httpx.get(f"{url}/{BUCKET}").status_code in (200, 403)
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, timeout=20, what="the S3 server")
        yield S3Server(url, data_dir)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
