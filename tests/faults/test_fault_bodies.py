"""Plain answers of the wrong shape, redirects, and values HTTP cannot carry.

Each is a ConnectorError with the right code and exit code, on both faces; none is a raw
Python exception.
"""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from openai_connector import ConfigError, InvalidInput, InvalidResponse, UnexpectedRedirect
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Reply, ScriptedServer, chat_body

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}


@pytest.mark.parametrize(
    "choices", [[None], ["text"], [[1]], [5]], ids=["null", "string", "list", "number"]
)
def test_a_choice_that_is_not_an_object_gives_no_text(
    face: Face, server: ScriptedServer, conn: dict[str, Any], choices: list[Any]
) -> None:
    server.script(Reply(json={**chat_body(), "choices": choices}))
    result = face.run("chat.create", CHAT, **conn)
    assert result.text is None
    assert result.body["choices"] == choices


@pytest.mark.parametrize("depth", [201, 900, 100_000])
def test_a_deeply_nested_body_is_an_invalid_response(
    face: Face, server: ScriptedServer, conn: dict[str, Any], depth: int
) -> None:
    body = ('{"choices": ' + "[" * depth + "]" * depth + "}").encode()
    server.script(Reply(body=body, headers={"content-type": "application/json"}))
    with pytest.raises(InvalidResponse) as caught:
        face.run("chat.create", CHAT, **conn)
    assert exit_code_of(caught.value) == 4
    assert "nested more than 200 levels deep" in caught.value.message


def test_a_deeply_nested_error_body_is_kept_as_text(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    from openai_connector import BadRequest

    body = b"[" * 5000 + b"]" * 5000
    server.script(Reply(400, body=body, headers={"content-type": "application/json"}))
    with pytest.raises(BadRequest) as caught:
        face.run("chat.create", CHAT, **conn)
    assert caught.value.result.body == body.decode()


def test_a_body_nested_within_the_limit_is_read(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    nested = "[" * 199 + "]" * 199
    server.script(Reply(body=('{"x": ' + nested + "}").encode()))
    result = face.run("models.list", {}, **conn)
    depth, value = 0, result.body["x"]
    while value:
        depth, value = depth + 1, value[0]
    assert depth == 198  # 199 arrays: the innermost is empty


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_its_own_error_naming_where_it_points(
    face: Face, server: ScriptedServer, conn: dict[str, Any], status: int
) -> None:
    location = "https://user:pw@api.example.com:8443/v1/chat?token=abc"
    server.script(Reply(status, json={}, headers={"location": location}))
    with pytest.raises(UnexpectedRedirect) as caught:
        face.run("chat.create", CHAT, **conn)
    error = caught.value
    assert error.code == "redirected"
    assert error.status == status
    assert exit_code_of(error) == 3
    assert error.source == "user"
    assert not error.retryable
    assert "redirects to https://api.example.com:8443" in error.message
    assert "does not follow redirects" in error.message
    assert "pw" not in str(error) and "token" not in str(error) and "/chat" not in str(error)
    assert error.hint is not None and "base_url" in error.hint
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("/v2/chat", "to another path on the same server"),
        ("", "elsewhere"),
        ("http://[::1", "elsewhere"),
    ],
)
def test_a_redirect_without_a_usable_location_still_says_so(
    face: Face, server: ScriptedServer, conn: dict[str, Any], location: str, shown: str
) -> None:
    server.script(Reply(302, json={}, headers={"location": location} if location else {}))
    with pytest.raises(UnexpectedRedirect) as caught:
        face.run("models.list", {}, **conn)
    assert f"redirects {shown};" in caught.value.message


def test_a_redirected_stream_is_the_same_error(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    server.script(Reply(307, json={}, headers={"location": "https://other.example/v1"}))
    with pytest.raises(UnexpectedRedirect):
        face.stream("chat.create", CHAT, **conn)


# ----------------------------------------------------------- values HTTP cannot carry


@pytest.mark.parametrize(
    ("fields", "setting"),
    [
        ({"api_key": "sk-ключ"}, "api_key"),
        ({"api_key": "sk-abc\x00def"}, "api_key"),
        ({"organization": "org-€"}, "organization"),
        ({"project": "proj\x00"}, "project"),
        ({"headers": {"X-Team": "日本"}}, "headers.X-Team"),
        ({"headers": {"X-Team": "a\x00b"}}, "headers.X-Team"),
    ],
)
def test_a_header_value_that_cannot_be_sent_is_a_config_error(
    face: Face,
    server: ScriptedServer,
    conn: dict[str, Any],
    fields: dict[str, Any],
    setting: str,
) -> None:
    with pytest.raises(ConfigError) as caught:
        face.run("models.list", {}, **{**conn, **fields})
    error = caught.value
    assert exit_code_of(error) == 2
    assert error.message.startswith(f"{setting}: ")  # named; the value is not shown
    assert "ключ" not in str(error)  # the value (maybe a key) is not shown
    assert server.requests == []


def test_an_invalid_header_name_in_the_connection_is_a_config_error(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as caught:
        face.run("models.list", {}, **{**conn, "headers": {"Bad Name": "x"}})
    assert "not a valid header name" in caught.value.message
    assert server.requests == []


@pytest.mark.parametrize("value", ["日本", "a\x00b", "a\rb"])
def test_a_raw_request_header_that_cannot_be_sent_is_invalid_input(
    face: Face, server: ScriptedServer, conn: dict[str, Any], value: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        face.run("raw.request", {"path": "/models", "headers": {"x-a": value}}, **conn)
    assert caught.value.field == "headers"
    assert server.requests == []


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("chat.create", {"model": "m", "prompt": "caf\udce9"}, "prompt"),
        ("chat.create", {"model": "m", "history": [{"role": "user", "content": "\udcff"}]}, None),
        ("raw.request", {"path": "/models", "query_params": {"q": "\udcff"}}, "query_params.q"),
        ("embeddings.create", {"model": "m", "input": ["ok", "\udcff"]}, "input.1"),
    ],
)
def test_text_that_is_not_utf8_is_invalid_input_naming_the_field(
    face: Face,
    server: ScriptedServer,
    conn: dict[str, Any],
    operation: str,
    params: dict[str, Any],
    field: str | None,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        face.run(operation, params, **conn)
    error = caught.value
    assert exit_code_of(error) == 2
    assert "not valid UTF-8" in error.message
    if field is not None:
        assert error.field == field
    else:
        assert error.field is not None and error.field.startswith("history.0")
    assert server.requests == []


def test_a_base_url_that_is_not_utf8_is_a_config_error(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as caught:
        face.run("models.list", {}, **{**conn, "base_url": server.url + "/v1\udcff"})
    assert "base URL is not valid UTF-8" in caught.value.message


def _nested(depth: int) -> list[Any]:
    outer: list[Any] = []
    inner = outer
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    return outer


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("raw.request", {"path": "/x", "method": "POST", "data": _nested(5000)}),
        ("chat.create", {"model": "m", "prompt": "hi", "tools": [{"a": _nested(5000)}]}),
        ("chat.create", {"model": "m", "prompt": "hi", "history": _nested(5000)}),
    ],
    ids=["raw data", "tools", "history"],
)
def test_input_nested_thousands_deep_is_invalid_input(
    face: Face, server: ScriptedServer, conn: dict[str, Any], operation: str, params: Any
) -> None:
    with pytest.raises(InvalidInput) as caught:
        face.run(operation, params, **conn)
    assert exit_code_of(caught.value) == 2
    assert "nested too deeply" in caught.value.message
    assert server.requests == []


def test_history_as_deep_json_text_is_invalid_input_naming_it(
    face: Face, server: ScriptedServer, conn: dict[str, Any]
) -> None:
    params = {"model": "m", "prompt": "hi", "history": "[" * 5000 + "]" * 5000}
    with pytest.raises(InvalidInput) as caught:
        face.run("chat.create", params, **conn)
    assert caught.value.field == "history"
    assert "nested more than 200 levels deep" in caught.value.message
