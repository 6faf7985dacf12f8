"""What the run path (next release) builds on: a registered connector becomes a library
Connector under the strict trust policy, its references resolved from the service's store."""

from __future__ import annotations

import pytest
from service_app import Service

from openai_connector import Connector
from openai_connector.connection import Connection
from openai_connector.policy import TrustPolicy
from openai_connector.service.connector_input import connection_settings
from scripted_server import Reply, ScriptedServer


def _connector(service: Service, created: dict[str, object]) -> Connector:
    record = service.store.connectors.get(str(created["id"]))
    values = service.store.connectors.connector_secrets(record.id)
    policy = TrustPolicy.strict(secrets=service.store.secret_source())
    return Connector(Connection(**connection_settings(record, values)), policy=policy)


def test_a_reference_resolves_from_the_service_store_never_the_environment(
    service: Service, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_KEY", "sk-from-environment-0000")
    service.admin.put("/api/secrets/OPENAI_KEY", json={"value": "sk-from-store-123456"})
    created = service.admin.post(
        "/api/connectors",
        json={
            "name": "c",
            "provider": "compatible",
            "config": {"base_url": server.url + "/v1"},
            "secrets": {"api_key": "{{secrets.OPENAI_KEY}}"},
        },
    ).json()
    server.default = Reply(json={"object": "list", "data": []})
    _connector(service, created).run("models.list", {})
    assert server.requests[-1].headers["authorization"] == "Bearer sk-from-store-123456"


def test_a_stored_value_is_sent_as_the_key(service: Service, server: ScriptedServer) -> None:
    created = service.admin.post(
        "/api/connectors",
        json={
            "name": "c",
            "provider": "compatible",
            "config": {"base_url": server.url + "/v1"},
            "secrets": {"api_key": "sk-stored-value-98765"},
        },
    ).json()
    server.default = Reply(json={"object": "list", "data": []})
    _connector(service, created).run("models.list", {})
    assert server.requests[-1].headers["authorization"] == "Bearer sk-stored-value-98765"
