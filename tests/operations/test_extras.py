"""extra_body, extra_headers and extra_query: on every one-call operation, as the SDK has them.

Tested against the scripted server (an extra_body field is not in the spec, so Prism would
refuse it).
"""

from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from fake_files_api import parse_multipart
from openai_connector import InvalidInput
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.operations.extras import HttpInput
from openai_connector.operations.registry import operations
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

AZURE_KEY = "0123456789abcdef0123456789abcdef"
EXTRAS = {
    "extra_body": {"verbosity": "low", "prediction": {"type": "content", "content": "x"}},
    "extra_headers": {"X-Trace-Id": "trace-1", "OpenAI-Beta": "new-thing=v1"},
    "extra_query": {"beta": True, "tag": ["a", "b"]},
}


def test_every_one_call_operation_takes_them_and_no_composite_does() -> None:
    for op in operations().values():
        assert issubclass(op.input, HttpInput) is (op.runner is None), op.id
    # chat.create_many's shared fields are chat.create's own: extras go with every chat
    assert "extra_body" in operations()["chat.create_many"].input.model_fields


def test_chat_sends_extras_in_body_headers_and_query(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json=chat_body("hi"))
    result = face.run("chat.create", {"model": "m", "prompt": "hi", **EXTRAS}, **openai)
    assert result.text == "hi"
    sent = server.requests[0]
    assert sent.json == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "verbosity": "low",
        "prediction": {"type": "content", "content": "x"},
    }
    assert sent.headers["x-trace-id"] == "trace-1"
    assert sent.headers["openai-beta"] == "new-thing=v1"
    assert sent.headers["authorization"] == "Bearer sk-test1234"
    assert sent.query["beta"] == "true" and sent.query["tag"] in ("a", "b")


def test_a_stream_sends_them_too(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(events=chat_chunks(["a", "b"]))
    texts, _ = face.stream("chat.create", {"model": "m", "prompt": "hi", **EXTRAS}, **openai)
    assert "".join(texts) == "ab"
    sent = server.requests[0]
    assert sent.json["verbosity"] == "low" and sent.json["stream"] is True
    assert sent.headers["x-trace-id"] == "trace-1"


def test_azure_keeps_its_api_version_beside_extra_query(face: Face, server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body("hi"))
    azure = {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}
    face.run("chat.create", {"model": "dep", "prompt": "hi", "extra_query": {"x": 1}}, **azure)
    sent = server.requests[0]
    assert sent.query["x"] == "1" and sent.query["api-version"]
    assert sent.path == "/openai/deployments/dep/chat/completions"


def test_get_takes_extra_query(face: Face, openai: dict[str, Any], server: ScriptedServer) -> None:
    server.default = Reply(json={"object": "list", "data": []})
    face.run("models.list", {"extra_query": {"owned_by": "me"}}, **openai)
    assert server.requests[0].query == {"owned_by": "me"}


def test_a_post_without_a_body_gets_extra_body_as_its_body(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json={"id": "b1", "status": "cancelling"})
    face.run("batches.cancel", {"batch_id": "b1", "extra_body": {"reason": "x"}}, **openai)
    assert server.requests[0].json == {"reason": "x"}


def test_an_upload_gets_extra_body_as_form_fields(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json={"id": "file-1", "object": "file"})
    params = {
        "file": b'{"a": 1}\n',
        "filename": "a.jsonl",
        "purpose": "batch",
        "extra_body": {"label": "nightly", "priority": 2},
    }
    face.run("files.upload", params, **openai)
    form = parse_multipart(server.requests[0])
    assert form["label"] == "nightly" and form["priority"] == "2"
    assert form["purpose"] == "batch"


def test_raw_request_takes_them_too(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    params = {"path": "/x", "method": "POST", "data": {"a": 1}, "extra_body": {"b": 2}}
    face.run("raw.request", params, **openai)
    assert server.requests[0].json == {"a": 1, "b": 2}


# ------------------------------------------------------------------ refused


def refused(face: Face, openai: dict[str, Any], server: ScriptedServer, op: str, params: Any):
    with pytest.raises(InvalidInput) as caught:
        face.run(op, params, **openai)
    assert server.requests == []  # nothing sent
    assert exit_code_of(caught.value) == 2
    return caught.value


@pytest.mark.parametrize(
    "header", ["Authorization", "api-key", "Host", "Content-Length", "content-type"]
)
def test_headers_the_connector_owns_are_refused_naming_the_field(
    face: Face, openai: dict[str, Any], server: ScriptedServer, header: str
) -> None:
    params = {"model": "m", "prompt": "hi", "extra_headers": {header: "x"}}
    error = refused(face, openai, server, "chat.create", params)
    assert error.field == "extra_headers"
    assert f"{header} cannot be set here" in error.message


def test_a_header_with_a_line_break_is_refused(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    params = {"model": "m", "prompt": "hi", "extra_headers": {"X-A": "a\r\nAuthorization: b"}}
    assert refused(face, openai, server, "chat.create", params).field == "extra_headers"


def test_api_version_in_extra_query_is_refused(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    params = {"model": "m", "prompt": "hi", "extra_query": {"api-version": "2020-01-01"}}
    error = refused(face, openai, server, "chat.create", params)
    assert error.field == "extra_query" and "api_version on the connection" in error.message


@pytest.mark.parametrize(
    ("field", "name"),
    [("extra_body", "temperature"), ("extra_body", "top_p"), ("extra_query", "limit")],
)
def test_a_declared_field_is_given_as_itself(
    face: Face, openai: dict[str, Any], server: ScriptedServer, field: str, name: str
) -> None:
    """Else its limits (temperature 0 to 2) would not be checked."""
    op, params = (
        ("files.list", {}) if name == "limit" else ("chat.create", {"model": "m", "prompt": "hi"})
    )
    error = refused(face, openai, server, op, {**params, field: {name: 9999}})
    assert error.field == f"{field}.{name}"
    assert f"{name} is a field of {op}" in error.message


def test_extras_add_and_never_replace(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    params = {"path": "/x", "method": "POST", "data": {"a": 1}, "extra_body": {"a": 2}}
    error = refused(face, openai, server, "raw.request", params)
    assert error.field == "extra_body.a" and "already holds a" in error.message
    params = {"model": "m", "prompt": "hi", "extra_body": {"messages": []}}
    error = refused(face, openai, server, "chat.create", params)
    assert error.field == "extra_body.messages" and "already holds messages" in error.message


@pytest.mark.parametrize(
    ("op", "params", "why"),
    [
        ("models.list", {}, "carries no body"),
        ("raw.request", {"path": "/x", "method": "POST", "data": [1]}, "not a JSON object"),
    ],
)
def test_extra_body_where_no_json_object_is_sent_is_refused(
    face: Face, openai: dict[str, Any], server: ScriptedServer, op: str, params: Any, why: str
) -> None:
    error = refused(face, openai, server, op, {**params, "extra_body": {"x": 1}})
    assert error.field == "extra_body" and why in error.message


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("batches.wait", {"batch_id": "b1"}),
        ("chat.summarize", {"text": "long text"}),
        ("connection.test", {}),
    ],
)
def test_a_composite_refuses_them(
    face: Face, openai: dict[str, Any], server: ScriptedServer, op: str, params: Any
) -> None:
    error = refused(face, openai, server, op, {**params, "extra_query": {"a": "1"}})
    assert error.field == "extra_query"
    assert f"{op} makes several calls and takes no extra_query" in error.message


def test_unknown_top_level_fields_stay_refused(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    error = refused(face, openai, server, "chat.create", {"prompt": "hi", "verbosity": "low"})
    assert error.field == "verbosity"


def test_chat_create_many_sends_them_with_every_chat(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json=chat_body("ok"))
    params = {"prompts": ["a", "b"], "model": "m", **EXTRAS}
    result = face.run("chat.create_many", params, **openai)
    assert result.ok
    assert len(server.requests) == 2
    for sent in server.requests:
        assert sent.json["verbosity"] == "low"
        assert sent.headers["x-trace-id"] == "trace-1"
        assert sent.query["beta"] == "true"


def test_a_credential_looking_extra_header_is_redacted_when_echoed(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.default = Reply(json={"echo": "tenant-key-0123456789"})
    params = {"path": "/echo", "extra_headers": {"X-Api-Key": "tenant-key-0123456789"}}
    result = face.run("raw.request", params, **openai)
    assert server.requests[0].headers["x-api-key"] == "tenant-key-0123456789"
    assert result.body == {"echo": "***"}
