from __future__ import annotations

from pathlib import Path

import pytest
from service_app import start
from service_client import ServiceClient, error_of

from openai_connector.errors import ConfigError

FILE = """
[connectors.support-bot]
description = "Support answers"
provider = "azure"
tags = ["prod"]
allowed_operations = ["chat.create"]
monthly_budget_usd = 200
[connectors.support-bot.config]
endpoint = "https://myres.openai.azure.com"
default_model = "gpt-4o-mini"
network = { verify = "/etc/ssl/certs/corp-ca.pem" }
[connectors.support-bot.secrets]
api_key = "{{secrets.AZURE_KEY}}"

[connectors.local]
provider = "compatible"
config = { base_url = "http://127.0.0.1:11434/v1" }
secrets = { api_key = "literal-key-123456" }
"""


def _service(tmp_path: Path, text: str) -> tuple[ServiceClient, object]:
    path = tmp_path / "connectors.toml"
    path.write_text(text)
    store, client = start(tmp_path / "data", preconfigured=path)
    _, key = store.keys.create(f"admin-{len(store.keys.all())}", "admin")
    return ServiceClient(client, key), store


def test_preconfigured_connectors_are_made_at_start(tmp_path: Path) -> None:
    client, store = _service(tmp_path, FILE)
    listed = {c["name"]: c for c in client.get("/api/connectors").json()}
    assert set(listed) == {"support-bot", "local"}
    bot = listed["support-bot"]
    assert bot["preconfigured"] is True
    assert bot["config"]["network"] == {"verify": "/etc/ssl/certs/corp-ca.pem"}, (
        "host settings are allowed in the host's own file"
    )
    assert bot["secrets"]["api_key"] == {"set": True, "reference": "{{secrets.AZURE_KEY}}"}
    assert listed["local"]["secrets"] == {"api_key": {"set": True}}
    assert "literal-key" not in client.get("/api/connectors").text
    store.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("method", "body"),
    [("PATCH", {"description": "x"}), ("PUT", {"secrets": {"api_key": "k"}}), ("DELETE", None)],
)
def test_preconfigured_connectors_are_read_only_through_the_api(
    tmp_path: Path, method: str, body: object
) -> None:
    client, store = _service(tmp_path, FILE)
    response = client.request(method, "/api/connectors/support-bot", json=body)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "preconfigured_read_only"
    assert "preconfigured connectors file" in error["message"]
    assert client.get("/api/connectors/support-bot").json()["description"] == "Support answers"
    store.close()  # type: ignore[attr-defined]


def test_a_restart_follows_the_file(tmp_path: Path) -> None:
    client, store = _service(tmp_path, FILE)
    store.close()  # type: ignore[attr-defined]
    changed = FILE.split("[connectors.local]", maxsplit=1)[0].replace("Support answers", "Changed")
    client, store = _service(tmp_path, changed)
    listed = client.get("/api/connectors").json()
    assert [(c["name"], c["description"]) for c in listed] == [("support-bot", "Changed")]
    store.close()  # type: ignore[attr-defined]


def test_a_name_made_through_the_api_stops_the_start(tmp_path: Path) -> None:
    store, _ = start(tmp_path / "data")
    store.connectors.create({"name": "local", "provider": "openai"})
    store.close()
    path = tmp_path / "connectors.toml"
    path.write_text(FILE)
    with pytest.raises(ConfigError, match="'local' was made through the API"):
        start(tmp_path / "data", preconfigured=path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[connectors.x]\nprovider = 'gemini'\n", "connectors.x: provider"),
        ("[connectors.x]\nprovider = 'compatible'\n", "connectors.x: config"),
        ("[connectors.x]\nconfig = { api_key = 'k' }\n", "connectors.x: config.api_key"),
        ("connectors = 3\n", "must be a table"),
        ("[connectors\n", "cannot read"),
    ],
)
def test_a_broken_file_stops_the_start_naming_the_place(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "connectors.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        start(tmp_path / "data", preconfigured=path)
