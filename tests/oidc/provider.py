"""Start the real OpenID provider (tests/oidc/provider.mjs, installed by `make
oidc-provider`) on a free port, and walk its sign-in pages without a browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.services import free_port, missing, wait_until

HERE = Path(__file__).resolve().parent
CLIENT_ID = "linewise"
CLIENT_SECRET = "a-test-client-secret-of-some-length"
# Who may sign on, and in which of the provider's groups.
ACCOUNTS = {
    "alice": {"name": "Alice Adler", "groups": ["mes-supervisors", "smt-team"]},
    "bob": {"name": "Bob Bauer", "groups": ["mes-supervisors", "mes-admins"]},
    "carol": {"name": "Carol Chen", "groups": ["finance"]},
}
GROUP_ROLES = {"mes-supervisors": "supervisor", "mes-admins": "admin", "mes-planners": "planner"}
GROUP_AREAS = {"smt-team": ["SMT"], "test-team": ["Test"]}


@dataclass
class OidcProvider:
    issuer: str

    def settings_update(self) -> dict[str, str]:
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_provider_name": "Test IdP",
            "oidc_group_roles": json.dumps(GROUP_ROLES),
            "oidc_group_areas": json.dumps(GROUP_AREAS),
        }


@contextmanager
def running_provider(redirect_uris: list[str]) -> Iterator[OidcProvider]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        # Skips locally, fails in CI (LINEWISE_REQUIRE_SERVICES=1), like every service.
        missing("the test OpenID provider (make oidc-provider)")
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "ACCOUNTS": json.dumps(ACCOUNTS),
        "NODE_ENV": "test",
    }
    proc = subprocess.Popen(
        [node, str(HERE / "provider.mjs")],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"the OpenID provider exited: {out}")
        try:
            return httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, timeout=20, what="the OpenID provider")
        yield OidcProvider(issuer)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.I)


def sign_in_at_provider(authorize_url: str, login: str, redirect_base: str) -> str:
    """Follow the provider's pages (sign-in, then consent) as a browser would; the URL
    it sends the browser back to (``redirect_base``...?code=...&state=...)."""
    url = authorize_url
    with httpx.Client(follow_redirects=False, timeout=10) as c:
        response = c.get(url)
        for _ in range(20):
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                if url.startswith(redirect_base):
                    return url
                response = c.get(url)
                continue
            assert response.status_code == 200, response.text
            match = _FORM.search(response.text)
            assert match, response.text
            action = urljoin(url, unescape(match.group(1)))
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', response.text))
            if 'name="login"' in response.text:
                fields.update(login=login, password="anything")
            response = c.post(action, data=fields)
            url = action
    raise AssertionError("the provider never sent the browser back")
