"""Validation through Prism is live: a request that breaks the spec gets 422, one without
credentials 401. Sent raw (urllib3), so the connector's own validation cannot stop them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from prism_mock import AZURE_KEY, OPENAI_KEY, PrismServer
from spec_checks import violations

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
AZURE_CHAT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> urllib3.BaseHTTPResponse:
    return urllib3.request(
        "POST",
        url,
        body=json.dumps(body).encode(),
        headers={"content-type": "application/json", "accept": "application/json", **headers},
        retries=False,
        timeout=30,
    )


def openai_post(server: PrismServer, body: dict[str, Any], auth: bool = True) -> Any:
    headers = {"authorization": f"Bearer {OPENAI_KEY}"} if auth else {}
    return post(server.url + "/chat/completions", body, headers)


def azure_post(server: PrismServer, body: dict[str, Any], auth: bool = True) -> Any:
    headers = {"api-key": AZURE_KEY} if auth else {}
    return post(server.url + AZURE_CHAT, body, headers)


def test_the_valid_request_these_tests_start_from_is_accepted(
    openai_prism_server: PrismServer, azure_prism_server: PrismServer
) -> None:
    assert openai_post(openai_prism_server, CHAT).status == 200
    azure_body = {k: v for k, v in CHAT.items() if k != "model"}
    assert azure_post(azure_prism_server, azure_body).status == 200


def test_openai_rejects_temperature_5_with_422_naming_the_field(
    openai_prism_server: PrismServer,
) -> None:
    response = openai_post(openai_prism_server, {**CHAT, "temperature": 5})
    assert response.status == 422
    found = violations(422, dict(response.headers), response.json())
    assert any(line.startswith("body.temperature:") for line in found), found


def test_azure_rejects_temperature_5_with_422_and_sl_violations(
    azure_prism_server: PrismServer,
) -> None:
    response = azure_post(azure_prism_server, {"messages": CHAT["messages"], "temperature": 5})
    assert response.status == 422
    found = violations(422, {k.lower(): v for k, v in response.headers.items()}, None)
    assert any(line.startswith("request.body.temperature:") for line in found), found


@pytest.mark.parametrize("server_name", ["openai", "azure"])
def test_an_undeclared_field_is_rejected_too(
    server_name: str, openai_prism_server: PrismServer, azure_prism_server: PrismServer
) -> None:
    """The request bodies are closed at test time (see spec_variants): a typo is a 422."""
    if server_name == "openai":
        response = openai_post(openai_prism_server, {**CHAT, "temprature": 1})
    else:
        response = azure_post(azure_prism_server, {"messages": CHAT["messages"], "temprature": 1})
    assert response.status == 422


def test_openai_without_credentials_gets_401(openai_prism_server: PrismServer) -> None:
    assert openai_post(openai_prism_server, CHAT, auth=False).status == 401


def test_azure_without_credentials_gets_401(azure_prism_server: PrismServer) -> None:
    body = {"messages": CHAT["messages"]}
    assert azure_post(azure_prism_server, body, auth=False).status == 401


def test_azure_without_api_version_gets_422(azure_prism_server: PrismServer) -> None:
    """Query parameters are checked too (only their presence: any api-version value passes)."""
    url = azure_prism_server.url + AZURE_CHAT.partition("?")[0]
    response = post(url, {"messages": CHAT["messages"]}, {"api-key": AZURE_KEY})
    assert response.status == 422
    assert "api-version" in response.headers["sl-violations"]
