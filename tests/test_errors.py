"""The error tree: classes by status, codes, who must act, retryability, data carried."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openai_connector import (
    APIStatusError,
    AuthenticationFailed,
    BadRequest,
    ConfigError,
    Conflict,
    ConnectionFailed,
    Connector,
    ConnectorError,
    InvalidInput,
    InvalidResponse,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    RateLimited,
    RequestTimeout,
    Result,
    SecretNotFound,
    ServerError,
    StreamInterrupted,
    TransportError,
    UnknownOperation,
    UnsupportedOperation,
    UserError,
)
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.errors import error_class_for
from scripted_server import Reply, ScriptedServer

TABLE = [
    # status, class, code, source, retryable
    (400, BadRequest, "bad_request", "user", False),
    (401, AuthenticationFailed, "auth_failed", "user", False),
    (403, PermissionDenied, "permission_denied", "user", False),
    (404, NotFound, "not_found", "user", False),
    (409, Conflict, "conflict", "upstream", True),
    (422, BadRequest, "bad_request", "user", False),
    (429, RateLimited, "rate_limited", "upstream", True),
    (500, ServerError, "server_error", "upstream", True),
    (503, ServerError, "server_error", "upstream", True),
]


@pytest.mark.parametrize(("status", "cls", "code", "source", "retryable"), TABLE)
def test_status_table(status: int, cls: type, code: str, source: str, retryable: bool) -> None:
    chosen = error_class_for(status, None)
    assert chosen is cls
    assert issubclass(chosen, APIStatusError)
    assert chosen.code == code
    assert chosen.source == source
    assert chosen.retryable is retryable
    assert exit_code_of(chosen) == 3


def test_other_statuses() -> None:
    assert error_class_for(429, "insufficient_quota") is QuotaExceeded
    assert error_class_for(429, "rate_limit_exceeded") is RateLimited
    assert error_class_for(418, None) is BadRequest
    assert error_class_for(599, None) is ServerError
    assert error_class_for(408, None) is ServerError


@pytest.mark.parametrize(
    ("cls", "code", "exit_code", "base"),
    [
        (ConfigError, "config_error", 2, UserError),
        (InvalidInput, "invalid_input", 2, UserError),
        (UnknownOperation, "unknown_operation", 2, UserError),
        (UnsupportedOperation, "unsupported_operation", 2, UserError),
        (ConnectionFailed, "connection_error", 4, TransportError),
        (RequestTimeout, "timeout", 4, TransportError),
        (StreamInterrupted, "stream_interrupted", 4, TransportError),
        (InvalidResponse, "invalid_response", 4, TransportError),
    ],
)
def test_codes_and_exit_codes(cls: type, code: str, exit_code: int, base: type) -> None:
    assert issubclass(cls, base) and issubclass(cls, ConnectorError)
    assert cls.code == code
    assert exit_code_of(cls) == exit_code


def test_user_and_transport_errors_say_who_acts() -> None:
    assert ConfigError("x").source == "user" and ConfigError("x").retryable is False
    assert ConnectionFailed("x").source == "upstream" and ConnectionFailed("x").retryable
    assert InvalidResponse("x").retryable is False


def test_message_and_hint() -> None:
    error = ConfigError("base_url is missing", hint="set OPENAI_BASE_URL")
    assert str(error) == "base_url is missing (set OPENAI_BASE_URL)"
    assert error.to_dict() == {
        "code": "config_error",
        "source": "user",
        "retryable": False,
        "message": "base_url is missing",
        "hint": "set OPENAI_BASE_URL",
    }
    assert "hint" not in ConfigError("plain").to_dict()


def test_secret_not_found_names_the_secret_and_where_it_looked() -> None:
    error = SecretNotFound("MY_KEY", "the environment, secrets file /x.env")
    assert error.code == "secret_not_found"
    assert error.name == "MY_KEY"
    assert "MY_KEY" in str(error) and "/x.env" in str(error)


def test_invalid_input_names_the_field() -> None:
    error = InvalidInput("temperature: too hot", field="temperature")
    data = error.to_dict()
    assert data["code"] == "invalid_input"
    assert data["field"] == "temperature"
    assert data["errors"] == [{"field": "temperature", "message": "temperature: too hot"}]


def test_api_error_to_dict_carries_the_envelope() -> None:
    body = {"error": {"message": "nope", "code": "invalid_api_key"}}
    result = Result(401, {"x-request-id": "r1"}, body, attempts=1)
    error = AuthenticationFailed("chat.create: HTTP 401", result=result, hint="check the key")
    assert error.status == 401
    data = error.to_dict()
    assert data["code"] == "auth_failed"
    assert data["status"] == 401
    assert data["response"] == {"status": 401, "headers": {"x-request-id": "r1"}, "body": body}
    json.dumps(data)


def test_redacted_rewrites_message_hint_and_args() -> None:
    error = ConfigError("key sk-abc123 refused", hint="sk-abc123 is wrong")
    error.redacted(lambda text: text.replace("sk-abc123", "***"))
    assert str(error) == "key *** refused (*** is wrong)"
    assert error.args == ("key *** refused",)


@pytest.mark.parametrize(("status", "cls", "code", "source", "retryable"), TABLE)
def test_each_status_from_a_server_raises_its_class(
    server: ScriptedServer,
    status: int,
    cls: type,
    code: str,
    source: str,
    retryable: bool,
) -> None:
    body: dict[str, Any] = {"error": {"message": f"status {status}", "type": "x", "code": None}}
    server.default = Reply(status, json=body)
    with (
        Connector(
            provider="compatible",
            base_url=server.url + "/v1",
            api_key="sk-test1234",
            retry={"max_retries": 0},
        ) as connector,
        pytest.raises(APIStatusError) as caught,
    ):
        connector.run("chat.create", {"model": "m", "prompt": "hi"})
    error = caught.value
    assert type(error) is cls
    assert error.code == code
    assert error.to_dict()["response"]["body"] == body
    assert f"HTTP {status}" in str(error) and f"status {status}" in str(error)


def test_401_hints_at_the_key(server: ScriptedServer) -> None:
    server.default = Reply(401, json={"error": {"message": "bad key", "code": "invalid_api_key"}})
    with (
        Connector(provider="compatible", base_url=server.url + "/v1", api_key="sk-t1234") as c,
        pytest.raises(AuthenticationFailed) as caught,
    ):
        c.run("chat.create", {"model": "m", "prompt": "hi"})
    assert "invalid_api_key" in str(caught.value)
    assert caught.value.hint and "API key" in caught.value.hint
