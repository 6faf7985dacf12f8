from __future__ import annotations

import copy
from typing import Any

import pytest
from service_app import CONNECTOR, Service
from service_client import error_of

pytestmark = pytest.mark.databases("sqlite", "postgresql")

SECRET = CONNECTOR["secrets"]["api_key"]  # type: ignore[index]


def make(service: Service, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(CONNECTOR) | changes
    response = service.admin.post("/api/connectors", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_shows_settings_and_only_whether_a_secret_is_set(service: Service) -> None:
    created = make(service)
    assert created["name"] == "support"
    assert created["provider"] == "compatible"
    assert created["config"] == CONNECTOR["config"]
    assert created["secrets"] == {"api_key": {"set": True}}
    assert created["tags"] == ["prod"] and created["preconfigured"] is False
    assert SECRET not in str(created)


def test_list_get_by_id_and_by_name(service: Service) -> None:
    created = make(service)
    make(service, name="other", secrets={})
    listed = service.admin.get("/api/connectors").json()
    assert [c["name"] for c in listed] == ["other", "support"]
    assert listed[0]["secrets"] == {"api_key": {"set": False}}
    assert service.admin.get(f"/api/connectors/{created['id']}").json() == created
    assert service.admin.get("/api/connectors/support").json()["id"] == created["id"]


def test_update_changes_the_fields_given_and_keeps_the_rest(service: Service) -> None:
    created = make(service)
    response = service.admin.patch(
        f"/api/connectors/{created['id']}",
        json={"description": "new", "config": {"default_model": "gpt-4.1", "timeout": None}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["description"] == "new"
    assert updated["config"] == {"base_url": "http://127.0.0.1:9/v1", "default_model": "gpt-4.1"}
    assert updated["tags"] == ["prod"] and updated["secrets"] == {"api_key": {"set": True}}
    assert updated["updated"] >= created["updated"]


def test_a_secret_is_rotated_by_update_and_removed_by_null(service: Service) -> None:
    created = make(service)
    service.admin.put(f"/api/connectors/{created['id']}", json={"secrets": {"api_key": "sk-new-1"}})
    assert service.store.connectors.connector_secrets(created["id"]) == {"api_key": "sk-new-1"}
    gone = service.admin.patch(
        f"/api/connectors/{created['id']}", json={"secrets": {"api_key": None}}
    )
    assert gone.json()["secrets"] == {"api_key": {"set": False}}
    assert service.store.connectors.connector_secrets(created["id"]) == {}


def test_a_reference_is_kept_as_written_and_no_value_is_stored(service: Service) -> None:
    created = make(service, secrets={"api_key": "{{secrets.OPENAI_KEY}}"})
    assert created["secrets"] == {"api_key": {"set": True, "reference": "{{secrets.OPENAI_KEY}}"}}
    assert service.store.connectors.connector_secrets(created["id"]) == {}
    rotated = service.admin.patch(
        f"/api/connectors/{created['id']}", json={"secrets": {"api_key": "sk-value-now"}}
    ).json()
    assert rotated["secrets"] == {"api_key": {"set": True}}
    assert "api_key" not in rotated["config"]


def test_a_credential_header_is_a_secret(service: Service) -> None:
    created = make(service, secrets={"headers.X-Api-Key": "hdr-secret-123456"})
    assert created["secrets"]["headers.X-Api-Key"] == {"set": True}
    assert "hdr-secret" not in str(created)
    stored = service.store.connectors.connector_secrets(created["id"])
    assert stored == {"headers.X-Api-Key": "hdr-secret-123456"}


def test_delete_removes_the_connector_and_its_secrets(service: Service) -> None:
    created = make(service)
    assert service.admin.delete(f"/api/connectors/{created['id']}").status_code == 204
    response = service.admin.get(f"/api/connectors/{created['id']}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "unknown_connector"
    from sqlalchemy import text

    with service.store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM secrets")).scalar_one() == 0


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_unknown_connector_is_404(service: Service, method: str) -> None:
    response = service.admin.request(
        method, "/api/connectors/nope", json={} if method == "PATCH" else None
    )
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "unknown_connector" and "'nope'" in error["message"]


def test_a_duplicate_name_is_409_on_create_and_on_rename(service: Service) -> None:
    make(service)
    response = service.admin.post("/api/connectors", json=CONNECTOR)
    assert response.status_code == 409
    assert error_of(response) | {} == {
        "code": "duplicate_name",
        "message": "a connector named 'support' exists",
        "field": "name",
    }
    other = make(service, name="other")
    renamed = service.admin.patch(f"/api/connectors/{other['id']}", json={"name": "support"})
    assert renamed.status_code == 409 and error_of(renamed)["field"] == "name"


@pytest.mark.parametrize(
    "name",
    [
        "x'; DROP TABLE connectors; --",
        '<script>alert("x")</script>',
        "a\" OR 1=1 -- & <b>bold</b> %s {0} \\' `",
        "naïve ☃ 名前",
    ],
)
def test_names_with_sql_and_html_metacharacters_are_kept_verbatim(
    service: Service, name: str
) -> None:
    created = make(service, name=name, description=name, tags=[name])
    response = service.admin.get(f"/api/connectors/{created['id']}")
    assert response.headers["content-type"] == "application/json"
    fetched = response.json()
    assert fetched["name"] == name and fetched["description"] == name and fetched["tags"] == [name]
    assert [c["name"] for c in service.admin.get("/api/connectors").json()] == [name]
    assert service.admin.post("/api/connectors", json={"name": name}).status_code == 409


def test_malformed_json_is_400(service: Service) -> None:
    response = service.admin.post(
        "/api/connectors",
        content=b'{"name": "x",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid_json",
        "message": "the body is not valid JSON",
        "field": "body",
    }


def test_a_body_over_the_limit_is_413(service: Service) -> None:
    big = {"name": "x", "description": "d" * (1024 * 1024)}
    response = service.admin.post("/api/connectors", json=big)
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "payload_too_large" and "1048576 bytes" in error["message"]
    assert service.store.connectors.all() == []


def test_a_chunked_body_over_the_limit_is_413(service: Service) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": "x", "description": "'
        for _ in range(20):
            yield b"d" * 100_000
        yield b'"}'

    response = service.admin.post(
        "/api/connectors", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_the_json_limit_is_a_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from service_app import start

    store, client = start(tmp_path, max_json_bytes=100)
    _, key = store.keys.create("a", "admin")
    response = client.post(
        "/api/connectors",
        json={"name": "x", "description": "d" * 200},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 413
    store.close()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": ""}, "name", "invalid_input"),
        ({"name": "a\nb"}, "name", "invalid_input"),
        ({"name": "a", "provider": "anthropic"}, "provider", "invalid_input"),
        ({"name": "a", "colour": "red"}, "colour", "invalid_input"),
        ({"name": "a", "config": {"base_url": "ftp://x"}}, "config.base_url", "invalid_input"),
        ({"name": "a", "config": {"api_version": "v1"}}, "config.api_version", "invalid_input"),
        ({"name": "a", "config": {"retry": {"max_retries": -1}}}, "config.retry.max_retries",
         "invalid_input"),
        ({"name": "a", "config": {"proxyy": "x"}}, "config.proxyy", "invalid_input"),
        ({"name": "a", "config": {"api_key": "sk-x"}}, "config.api_key", "invalid_input"),
        ({"name": "a", "config": {"provider": "azure"}}, "config.provider", "invalid_input"),
        ({"name": "a", "config": {"headers": {"Authorization": "Bearer x"}}},
         "config.headers.Authorization", "invalid_input"),
        ({"name": "a", "config": {"base_url": "https://user:pw@h/v1"}}, "config.base_url",
         "invalid_input"),
        ({"name": "a", "provider": "compatible"}, "config", "invalid_input"),
        ({"name": "a", "secrets": {"password": "x"}}, "secrets.password", "invalid_input"),
        ({"name": "a", "secrets": {"api_key": "sk\nx"}}, "secrets.api_key", "invalid_input"),
        ({"name": "a", "secrets": {"api_key": "  "}}, "secrets.api_key", "invalid_input"),
        ({"name": "a", "allowed_operations": ["chat.create", "chat.nope"]},
         "allowed_operations[1]", "invalid_input"),
        ({"name": "a", "tags": "prod"}, "tags", "invalid_input"),
        ({"name": "a", "monthly_budget_usd": -1}, "monthly_budget_usd", "invalid_input"),
        ({"name": "a", "config": {"azure_ad_token_command": "cat /etc/shadow"}},
         "config.azure_ad_token_command", "host_feature_refused"),
        ({"name": "a", "config": {"network": {"verify": "/etc/ssl/ca.pem"}}},
         "config.network.verify", "host_feature_refused"),
        ({"name": "a", "config": {"network": {"client_cert": "/home/u/c.pem"}}},
         "config.network.client_cert", "host_feature_refused"),
    ],
)  # fmt: skip
def test_bad_input_is_422_naming_the_field(
    service: Service, body: dict[str, Any], field: str, code: str
) -> None:
    response = service.admin.post("/api/connectors", json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert (error["code"], error.get("field")) == (code, field)
    assert service.store.connectors.all() == []


def test_an_update_is_checked_like_a_create(service: Service) -> None:
    created = make(service)
    response = service.admin.patch(
        f"/api/connectors/{created['id']}", json={"config": {"base_url": "nope"}}
    )
    assert response.status_code == 422 and error_of(response)["field"] == "config.base_url"
    response = service.admin.patch(
        f"/api/connectors/{created['id']}", json={"config": {"base_url": None}}
    )
    assert response.status_code == 422 and error_of(response)["field"] == "config"
    assert service.admin.get(f"/api/connectors/{created['id']}").json() == created


def test_azure_connector_with_network_settings(service: Service) -> None:
    created = make(
        service,
        name="az",
        provider="azure",
        config={
            "endpoint": "https://res.openai.azure.com",
            "api_version": "2024-10-21",
            "default_model": "my-deployment",
            "timeout": {"connect": 5, "total": 60},
            "retry": {"max_retries": 4, "backoff": "fixed"},
            "network": {"proxy": "http://proxy:3128", "verify": False},
            "headers": {"X-Team": "support"},
        },
        secrets={"azure_ad_token": "{{secrets.AAD}}"},
        allowed_operations=["chat.create", "embeddings.create"],
        monthly_budget_usd=250.0,
    )
    assert created["config"]["network"] == {"proxy": "http://proxy:3128", "verify": False}
    assert created["secrets"]["azure_ad_token"] == {"set": True, "reference": "{{secrets.AAD}}"}
    assert created["allowed_operations"] == ["chat.create", "embeddings.create"]
    assert created["monthly_budget_usd"] == 250.0


def test_the_run_path_gets_a_connection_from_config_and_secrets(service: Service) -> None:
    from openai_connector.connection import Connection
    from openai_connector.service.connector_input import connection_settings

    created = make(service, secrets={"api_key": SECRET, "headers.X-Key": "hv-123456"})
    record = service.store.connectors.get(created["id"])
    values = service.store.connectors.connector_secrets(created["id"])
    connection = Connection(**connection_settings(record, values))
    assert connection.api_key == SECRET
    assert connection.headers == {"X-Key": "hv-123456"}
    assert connection.base_url == "http://127.0.0.1:9/v1"


def test_an_unknown_route_is_404_in_the_error_shape(service: Service) -> None:
    response = service.admin.get("/api/nothing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    response = service.admin.request("PATCH", "/api/keys")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
