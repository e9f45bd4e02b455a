from fastapi.testclient import TestClient

from tests.conftest import World


def test_health_is_public(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_lists_need_sign_in(client: TestClient) -> None:
    r = client.get("/api/v1/orders")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_planner_lists_lines(as_role: dict[str, TestClient], world: World) -> None:
    r = as_role["planner"].get("/api/v1/lines", params={"sort": "code"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["code"] for i in body["items"]] == ["SMT-1", "TEST-1"]
    assert body["total"] == 2
