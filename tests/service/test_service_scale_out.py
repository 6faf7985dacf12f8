"""Two instances of the service on one database (what a load balancer in front of several
sees): the rate of a key, the budget of a connector and the secrets are shared; an instance
with another encryption key is refused. On SQLite (one file) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from run_fixtures import CHAT_BODY, make_connector
from service_app import Service
from service_client import ServiceClient, error_of

from openai_connector.cli.main import cli
from openai_connector.service import ServiceSettings, create_app
from openai_connector.service.run_path import RateLimiter
from openai_connector.store.encryption import KEY_ENV
from postgres_cluster import PostgresCluster
from scripted_server import Reply, ScriptedServer

pytestmark = pytest.mark.databases("sqlite", "postgresql")

HI = {"operation": "chat.create", "params": {"prompt": "Hi"}}
T0 = 1_800_000_000.0


@pytest.fixture
def other(service: Service, database: str | None) -> Iterator[ServiceClient]:
    """A second instance on the service's database (its data directory too: the key file)."""
    app = create_app(ServiceSettings(database_url=database, data_dir=service.data_dir, environ={}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield ServiceClient(client, service.admin.key)
    app.state.store.close()


def _clock(*clients: ServiceClient) -> list[float]:
    """Both instances' rate limiters on one injected clock (epoch seconds)."""
    now = [T0]
    for client in clients:
        app = client.client.app
        app.state.limiter = RateLimiter(app.state.store.rates, clock=lambda: now[0])  # type: ignore[attr-defined]
    return now


def test_a_rate_limit_holds_across_instances(
    service: Service, other: ServiceClient, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    url = f"/api/connectors/{made['id']}/execute"
    _, key = service.store.keys.create("batch", "operator", rate_limit_per_minute=3)
    now = _clock(service.admin, other)
    server.default = Reply(json=CHAT_BODY)
    first, second = service.admin.as_key(key), other.as_key(key)
    statuses = [c.post(url, json=HI).status_code for c in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]
    now[0] = T0 + 41.5
    refused = first.post(url, json=HI)
    assert refused.status_code == 429 and error_of(refused)["code"] == "rate_limited"
    assert refused.headers["retry-after"] == "19"  # the window opened at T0 ends at T0 + 60
    assert len(server.requests) == 3
    now[0] = T0 + 60
    assert second.post(url, json=HI).status_code == 200
    assert len(server.requests) == 4


def test_a_budget_spent_through_one_instance_is_refused_by_the_other(
    service: Service, other: ServiceClient, server: ScriptedServer
) -> None:
    made = make_connector(service, server, monthly_budget_usd=0.0000001)
    url = f"/api/connectors/{made['id']}/execute"
    server.default = Reply(json=CHAT_BODY)
    assert service.admin.post(url, json=HI).status_code == 200
    refused = other.post(url, json=HI)
    assert refused.status_code == 402 and error_of(refused)["code"] == "budget_exceeded"
    assert len(server.requests) == 1


def test_a_secret_stored_through_one_instance_is_used_by_the_other(
    service: Service, other: ServiceClient, server: ScriptedServer
) -> None:
    made = make_connector(service, server)
    assert other.put("/api/secrets/TEAM_KEY", json={"value": "sk-team-5a6b7c"}).status_code < 300
    patched = service.admin.patch(
        f"/api/connectors/{made['id']}", json={"secrets": {"api_key": "{{secrets.TEAM_KEY}}"}}
    )
    assert patched.status_code == 200, patched.text
    server.default = Reply(json=CHAT_BODY)
    assert other.post(f"/api/connectors/{made['id']}/execute", json=HI).status_code == 200
    assert server.requests[0].headers["authorization"] == "Bearer sk-team-5a6b7c"


@pytest.mark.databases("postgresql")
def test_an_instance_with_another_encryption_key_is_refused_at_start(
    service: Service, database: str | None, tmp_path: Path
) -> None:
    """Its own data directory makes its own key file: serve says which key to use, exit 2."""
    assert database is not None
    assert service.admin.put("/api/secrets/TEAM_KEY", json={"value": "sk-1"}).status_code < 300
    args = ["serve", "--database-url", database, "--data-dir", str(tmp_path / "second")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "the database's secrets were sealed with another encryption key" in result.output
    assert "OPENAI_CONNECTOR_ENCRYPTION_KEY" in result.output


@pytest.mark.databases("postgresql")
def test_readyz_is_503_when_postgresql_is_gone(
    service: Service, database: str | None, postgres_cluster: PostgresCluster
) -> None:
    assert database is not None
    assert service.anonymous.get("/readyz").status_code == 200
    postgres_cluster.drop_database(database)
    response = service.anonymous.get("/readyz")
    assert response.status_code == 503
    assert error_of(response)["code"] == "database_unreachable"


PRECONFIGURED = """
[connectors.local]
provider = "compatible"
config = { base_url = "http://127.0.0.1:11434/v1" }
secrets = { api_key = "literal-key-123456" }
"""


@pytest.mark.databases("postgresql")
def test_instances_starting_together_make_the_preconfigured_connectors_once(
    tmp_path: Path, database: str | None
) -> None:
    """Under an advisory lock the later instances find the connectors made (else two would
    create the same name and one would not start)."""
    path = tmp_path / "connectors.toml"
    path.write_text(PRECONFIGURED)
    key = {KEY_ENV: Fernet.generate_key().decode()}
    start = threading.Barrier(4)
    apps: list[FastAPI] = []
    failures: list[BaseException] = []

    def start_one(number: int) -> None:
        settings = ServiceSettings(
            database_url=database, data_dir=tmp_path / str(number), preconfigured=path, environ=key
        )
        start.wait()
        try:
            apps.append(create_app(settings))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert failures == []
        assert [c.name for c in apps[0].state.store.connectors.all()] == ["local"]
    finally:
        for app in apps:
            app.state.store.close()


def test_an_instance_with_another_key_answers_why_it_cannot_store_a_secret(
    service: Service, database: str | None
) -> None:
    """Started before the first secret with a key of its own: storing one is refused with a
    message naming the fix, and nothing is stored."""
    own_key = {KEY_ENV: Fernet.generate_key().decode()}
    app = create_app(
        ServiceSettings(database_url=database, data_dir=service.data_dir, environ=own_key)
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        second = ServiceClient(client, service.admin.key)
        assert service.admin.put("/api/secrets/ONE", json={"value": "sk-1"}).status_code < 300
        refused = second.put("/api/secrets/TWO", json={"value": "sk-2"})
        assert refused.status_code == 500
        error = error_of(refused)
        assert error["code"] == "encryption_key_mismatch"
        assert "sealed with another encryption key" in error["message"]
        assert "OPENAI_CONNECTOR_ENCRYPTION_KEY" in error["message"]
        assert "sk-2" not in refused.text
    app.state.store.close()
    assert service.store.connectors.named_secret_names() == ["ONE"]
