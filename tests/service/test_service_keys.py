from __future__ import annotations

import pytest
from service_app import Service
from service_client import error_of

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_a_new_key_is_shown_once_and_works(service: Service) -> None:
    response = service.admin.post("/api/keys", json={"name": "ci", "role": "operator"})
    assert response.status_code == 201
    made = response.json()
    assert made["key"].startswith("ocs_") and made["role"] == "operator"
    listed = service.admin.get("/api/keys").json()
    assert made["key"] not in str(listed)
    assert [k["name"] for k in listed] == ["admin", "ci"]
    assert set(listed[1]) == {
        "name", "role", "prefix", "created", "last_used", "revoked",
        "rate_limit_per_minute", "default_connector",
    }  # fmt: skip
    assert listed[1]["last_used"] is None
    assert service.admin.as_key(made["key"]).get("/api/connectors").status_code == 200
    used = {k["name"]: k for k in service.admin.get("/api/keys").json()}
    assert used["ci"]["last_used"] is not None


def test_revoke_takes_effect_at_once_and_is_listed(service: Service) -> None:
    made = service.admin.post("/api/keys", json={"name": "ci", "role": "admin"}).json()
    client = service.admin.as_key(made["key"])
    assert client.get("/api/keys").status_code == 200
    revoked = service.admin.delete("/api/keys/ci").json()
    assert revoked["revoked"] is not None
    assert client.get("/api/keys").status_code == 401
    assert service.admin.get("/api/keys").json()[1]["revoked"] == revoked["revoked"]


def test_an_unknown_key_name_is_404(service: Service) -> None:
    response = service.admin.delete("/api/keys/nobody")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "unknown_key",
        "message": "no key named 'nobody'",
        "field": "name",
    }


def test_a_duplicate_key_name_is_409(service: Service) -> None:
    response = service.admin.post("/api/keys", json={"name": "admin", "role": "viewer"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_name"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "role": "root"}, "role"),
        ({"name": "x"}, "role"),
        ({"name": "", "role": "viewer"}, "name"),
        ({"name": "a\tb", "role": "viewer"}, "name"),
        ({"name": "x", "role": "viewer", "rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ],
)
def test_bad_key_input_is_422_naming_the_field(
    service: Service, body: dict[str, object], field: str
) -> None:
    response = service.admin.post("/api/keys", json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_named_secrets_are_write_only(service: Service) -> None:
    response = service.admin.put("/api/secrets/OPENAI_KEY", json={"value": "sk-named-98765"})
    assert response.json() == {"name": "OPENAI_KEY", "set": True}
    assert service.admin.get("/api/secrets").json() == [{"name": "OPENAI_KEY", "set": True}]
    assert service.store.secret_source().get("OPENAI_KEY") == "sk-named-98765"
    assert service.admin.delete("/api/secrets/OPENAI_KEY").status_code == 204
    assert service.store.secret_source().get("OPENAI_KEY") is None
    assert service.admin.delete("/api/secrets/OPENAI_KEY").status_code == 404


@pytest.mark.parametrize(("name", "value"), [("1BAD", "v"), ("a b", "v"), ("OK", "x\ny")])
def test_bad_named_secrets_are_422(service: Service, name: str, value: str) -> None:
    response = service.admin.put(f"/api/secrets/{name}", json={"value": value})
    assert response.status_code == 422
    assert error_of(response)["field"] in {"name", "value"}
