"""The OpenAPI document is the contract between the server and the UI.

Every route answers with a declared model, every error is documented as problem+json,
and the committed ui/openapi.json and ui/src/api.gen.ts are the ones the server builds.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from linewise.api.openapi import MEDIA, ProblemDetails, document_text
from linewise.config import Settings
from linewise.server.app import create_app

ROOT = Path(__file__).resolve().parents[3]
COMMITTED_DOCUMENT = ROOT / "ui" / "openapi.json"
GENERATED_TYPES = ROOT / "ui" / "src" / "api.gen.ts"
REGENERATE = "the API changed: run `make openapi` and commit ui/openapi.json and ui/src/api.gen.ts"

# Routes that answer with something other than a JSON model, and why.
UNTYPED_RESPONSES = {
    ("get", "/api/v1/export/{sheet}"): "a CSV or XLSX file download",
    ("get", "/api/v1/schedules/{run_id}/events"): "a Server-Sent Events stream",
}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://"))


@pytest.fixture(scope="module")
def doc(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def test_committed_document_is_current(app: FastAPI) -> None:
    assert COMMITTED_DOCUMENT.read_text(encoding="utf-8") == document_text(app), REGENERATE


def test_generated_types_come_from_the_committed_document() -> None:
    digest = hashlib.sha256(COMMITTED_DOCUMENT.read_bytes()).hexdigest()
    first_line = GENERATED_TYPES.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"// openapi.json sha256 {digest}", REGENERATE


def _is_typed(schema: dict[str, Any]) -> bool:
    """A named model, a list of them, or a nullable one; not a free-form object or Any."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _is_typed(schema.get("items", {}))
    if "anyOf" in schema:
        return all(_is_typed(s) or s == {"type": "null"} for s in schema["anyOf"])
    return False


def test_every_route_has_a_typed_response(doc: dict[str, Any]) -> None:
    untyped = []
    for method, path, op in _operations(doc):
        if (method, path) in UNTYPED_RESPONSES:
            continue
        for status, response in op["responses"].items():
            if not status.startswith("2"):
                continue
            for media, content in response.get("content", {}).items():
                if media == "application/json" and not _is_typed(content.get("schema", {})):
                    untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == [], f"routes answering with dict[str, Any] or Any: {untyped}"


def test_exempt_routes_document_their_media_type(doc: dict[str, Any]) -> None:
    for method, path in UNTYPED_RESPONSES:
        media = set(doc["paths"][path][method]["responses"]["200"]["content"])
        assert media and "application/json" not in media, (method, path, media)


def test_no_free_form_objects_inside_response_models(doc: dict[str, Any]) -> None:
    """Response models name their fields, so the UI's generated types do too."""
    schemas = doc["components"]["schemas"]
    loose = [
        name
        for name, schema in schemas.items()
        if name.endswith("Out") and schema.get("additionalProperties") is True
    ]
    assert loose == []


def test_every_error_response_is_problem_json(doc: dict[str, Any]) -> None:
    assert set(doc["components"]["schemas"]["ProblemDetails"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }
    missing = []
    for method, path, op in _operations(doc):
        responses = op["responses"]
        for status, response in responses.items():
            if status.startswith("4") or status.startswith("5"):
                schema = response["content"][MEDIA]["schema"]
                assert schema == {"$ref": "#/components/schemas/ProblemDetails"}
        expected = {"404"} if "{" in path else set()
        if method in ("post", "put", "patch", "delete") and path not in (
            "/api/v1/auth/login",
            "/api/v1/auth/badge",
            "/api/v1/auth/logout",
            "/api/v1/ingest",
        ):
            expected.add("409")
        if op.get("parameters") or "requestBody" in op:
            expected.add("422")
        missing += [f"{method.upper()} {path} {s}" for s in expected - set(responses)]
    assert missing == []
    assert "HTTPValidationError" not in json.dumps(doc)


def test_protected_and_special_routes_list_their_statuses(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    assert set(paths["/api/v1/orders"]["get"]["responses"]) >= {"200", "401", "403", "422"}
    assert "401" not in paths["/api/v1/health"]["get"]["responses"]
    login = paths["/api/v1/auth/login"]["post"]["responses"]
    assert set(login) >= {"401", "422", "429"}
    assert not set(login) & {"403", "409"}
    assert set(paths["/api/v1/ingest"]["post"]["responses"]) >= {"401", "403", "413", "503"}
    patch = paths["/api/v1/lines/{item_id}"]["patch"]["responses"]
    assert set(patch) >= {"404", "409", "412", "422", "428"}


def test_error_bodies_match_the_documented_schema(app: FastAPI) -> None:
    client = TestClient(app)  # no lifespan: neither answer reaches the database
    unauthorised = client.get("/api/v1/orders")
    invalid = client.post("/api/v1/auth/login", json={"username": 3})
    for response, status in ((unauthorised, 401), (invalid, 422)):
        assert response.status_code == status
        assert response.headers["content-type"] == MEDIA
        problem = ProblemDetails.model_validate(response.json())
        assert problem.status == status
    assert ProblemDetails.model_validate(invalid.json()).errors[0].field


def test_cli_prints_the_document_without_a_server(
    app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from linewise.cli.main import main

    # The configured database is never opened: a path that cannot exist is fine.
    monkeypatch.setenv("LINEWISE_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    result = CliRunner().invoke(main, ["openapi"])
    assert result.exit_code == 0, result.output
    assert result.output == document_text(app)
    assert not (tmp_path / "missing").exists()
