from __future__ import annotations

import pytest
from service_app import Service
from service_client import error_of

pytestmark = pytest.mark.databases("sqlite", "postgresql")

ADMIN_ROUTES = [
    ("POST", "/api/connectors", {"name": "x"}),
    ("GET", "/api/keys", None),
    ("POST", "/api/keys", {"name": "k", "role": "viewer"}),
    ("DELETE", "/api/keys/admin", None),
    ("GET", "/api/secrets", None),
    ("PUT", "/api/secrets/S", {"value": "v"}),
]
READ_ROUTES = ["/api/connectors", "/api/operations", "/api/usage", "/api/operations/chat.create"]


@pytest.mark.parametrize("path", [*READ_ROUTES, "/api/keys"])
def test_no_key_is_401_with_a_bearer_challenge(service: Service, path: str) -> None:
    response = service.anonymous.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert error_of(response)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header",
    ["Bearer ocs_unknownkeyunknownkeyunknownkey00000000000", "Bearer nonsense", "Basic abc"],
)
def test_an_unknown_key_is_401(service: Service, header: str) -> None:
    response = service.anonymous.get("/api/connectors", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] in {"invalid_key", "unauthenticated"}


def test_a_revoked_key_is_refused_at_once(service: Service) -> None:
    operator = service.client_with_role("operator", "ops")
    assert operator.get("/api/connectors").status_code == 200
    assert service.admin.delete("/api/keys/ops").status_code == 200
    response = operator.get("/api/connectors")
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_key"


@pytest.mark.parametrize("role", ["viewer", "operator"])
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_roles_below_admin_get_403_on_admin_routes(
    service: Service, role: str, method: str, path: str, body: object
) -> None:
    client = service.client_with_role(role)
    response = client.request(method, path, json=body)
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden"
    assert f"role {role!r}" in error["message"] and "'admin'" in error["message"]
    assert [k.name for k in service.store.keys.all() if k.revoked] == []


def test_viewer_changes_no_connector(service: Service) -> None:
    created = service.admin.post("/api/connectors", json={"name": "a"}).json()
    viewer = service.client_with_role("viewer")
    assert viewer.patch(f"/api/connectors/{created['id']}", json={"tags": []}).status_code == 403
    assert viewer.delete(f"/api/connectors/{created['id']}").status_code == 403
    assert service.admin.get(f"/api/connectors/{created['id']}").status_code == 200


@pytest.mark.parametrize("path", READ_ROUTES)
def test_a_viewer_reads_connectors_operations_and_usage(service: Service, path: str) -> None:
    assert service.client_with_role("viewer").get(path).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/docs", "/openapi.json"])
def test_health_and_docs_need_no_key(service: Service, path: str) -> None:
    assert service.anonymous.get(path).status_code == 200


def test_readyz_says_the_database_answers(service: Service) -> None:
    assert service.anonymous.get("/readyz").json() == {"status": "ready"}


@pytest.mark.databases("sqlite")  # PostgreSQL: tests/service/test_service_scale_out.py
def test_readyz_is_503_when_the_database_is_gone(service: Service) -> None:
    service.store.engine.dispose()
    for path in service.data_dir.glob("service.db*"):
        path.unlink()
    (service.data_dir / "service.db").mkdir()  # what was the database cannot be opened
    response = service.anonymous.get("/readyz")
    assert response.status_code == 503
    assert error_of(response)["code"] == "database_unreachable"
