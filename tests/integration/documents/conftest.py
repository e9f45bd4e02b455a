"""One real S3-compatible server (s3rver) per test module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.s3.server import S3Server, running_s3


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_s3(tmp_path_factory.mktemp("s3rver")) as server:
        yield server
