"""Secrets in the shapes a careless server or user gives them, on both faces.

A key with a newline, a secret the server sends back JSON-escaped, a secret split across two
stream events, a password in the base URL, a short secret that also occurs in numbers, a
literal key in a configured header, a secret in a response header's name.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from openai_connector import (
    BadRequest,
    ConfigError,
    Connection,
    ConnectionFailed,
    RetryPolicy,
    SecretStore,
)
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.secrets import Redactor
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks

SECRET = 'sk-Q7"z\\w/r&t<u9Lp'
"""Characters JSON and Go escape: a quote, a backslash, a slash, & and <."""


def compatible(server: ScriptedServer, **more: Any) -> dict[str, Any]:
    return {"provider": "compatible", "base_url": server.url + "/v1", **more}


def escaped_forms(value: str) -> list[str]:
    """The value as JSON string content, escaped in the ways servers do."""
    standard = json.dumps(value)[1:-1]  # \" and \\
    go = standard.replace("/", "\\/").replace("&", "\\u0026").replace("<", "\\u003c")
    every = "".join(f"\\u{ord(c):04X}" for c in value)  # any character, upper-case hex
    twice = json.dumps(json.dumps(value))[1:-1]  # JSON text inside a JSON string
    return [standard, go, every, twice]


def json_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, body=text.encode(), headers={"content-type": "application/json"})


def scan(*texts: str) -> None:
    """No text holds the secret, as it is or in an escaped form."""
    for text in texts:
        assert SECRET not in text
        for form in escaped_forms(SECRET):
            assert form not in text, form
        assert "Q7" not in text  # not even a piece of it


# ------------------------------------------------------------------ whitespace


@pytest.mark.parametrize(
    "shape", ["sk-padded-key-1\n", "  sk-padded-key-1\r\n", "\tsk-padded-key-1"]
)
def test_a_key_with_surrounding_whitespace_is_sent_stripped(
    face: Face, server: ScriptedServer, shape: str
) -> None:
    server.default = Reply(json=chat_body("fine"))
    result = face.run(
        "chat.create", {"model": "m", "prompt": "hi"}, **compatible(server, api_key=shape)
    )
    assert result.text == "fine"
    assert server.requests[0].headers["authorization"] == "Bearer sk-padded-key-1"


def test_secret_files_and_directories_are_stripped(
    face: Face, server: ScriptedServer, tmp_path: Path
) -> None:
    file = tmp_path / "secrets.env"
    file.write_text('FILE_KEY="sk-file-key-22\\n"\nHEADER=" tenant-7 "\n', encoding="utf-8")
    directory = tmp_path / "secrets.d"
    directory.mkdir()
    (directory / "DIR_WORD").write_text("word-from-dir \n\n", encoding="utf-8")
    face.connector_options["secrets"] = SecretStore(
        environ={"ENV_KEY": " sk-env-key-33\n"}, file=file, directory=directory
    )
    server.default = Reply(json=chat_body("fine"))
    conn = compatible(
        server, api_key="{{secrets.FILE_KEY}}", headers={"x-tenant": "{{secrets.HEADER}}"}
    )
    face.run("chat.create", {"model": "m", "prompt": "{{secrets.DIR_WORD}}!"}, **conn)
    face.run(
        "chat.create", {"model": "m", "prompt": "x"}, **{**conn, "api_key": "{{secrets.ENV_KEY}}"}
    )
    first, second = server.requests
    assert first.headers["authorization"] == "Bearer sk-file-key-22"
    assert first.headers["x-tenant"] == "tenant-7"
    assert first.json["messages"][-1]["content"] == "word-from-dir!"
    assert second.headers["authorization"] == "Bearer sk-env-key-33"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"api_key": "sk-inner\nline-key"}, "api_key"),
        ({"api_key": "sk-inner\x00nul-key"}, "api_key"),
        ({"headers": {"x-token": "tok\r\nen-value"}}, "headers.x-token"),
        ({"organization": "org\tid"}, "organization"),
    ],
)
def test_an_inner_control_character_is_a_config_error_naming_the_setting(
    face: Face, server: ScriptedServer, settings: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        face.run("chat.create", {"model": "m", "prompt": "hi"}, **compatible(server, **settings))
    assert named in caught.value.message
    shown = str(caught.value) + repr(caught.value) + json.dumps(caught.value.to_dict())
    assert "inner" not in shown and "nul-key" not in shown and "en-value" not in shown
    assert server.requests == []
    assert exit_code_of(caught.value) == 2


def test_a_secret_with_an_inner_line_break_names_the_secret(
    face: Face, server: ScriptedServer, tmp_path: Path
) -> None:
    directory = tmp_path / "secrets.d"
    directory.mkdir()
    (directory / "BROKEN").write_text("sk-first-half\nsk-second-half\n", encoding="utf-8")
    face.connector_options["secrets"] = SecretStore(directory=directory)
    with pytest.raises(ConfigError) as caught:
        face.run(
            "chat.create",
            {"model": "m", "prompt": "hi"},
            **compatible(server, api_key="{{secrets.BROKEN}}"),
        )
    assert "secret BROKEN" in caught.value.message
    assert "half" not in str(caught.value)
    assert server.requests == []


def test_a_secret_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    directory = tmp_path / "secrets.d"
    directory.mkdir()
    (directory / "LATIN").write_bytes(b"caf\xe9-secret")
    with pytest.raises(ConfigError, match=r"secret LATIN.*not UTF-8"):
        SecretStore(directory=directory).get("LATIN")
    file = tmp_path / "secrets.env"
    file.write_bytes(b"KEY=caf\xe9-secret\n")
    with pytest.raises(ConfigError, match=r"secrets file .* not UTF-8"):
        SecretStore(file=file).get("KEY")


def test_a_connection_validation_error_never_shows_the_value() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Connection(api_key=["sk-in-a-list-value"])  # type: ignore[arg-type]
    assert "sk-in-a-list-value" not in str(caught.value)


# -------------------------------------------------------------------- escaped


def echo_escaped(form: str) -> Any:
    def reply(request: Recorded) -> Reply:
        body = json.dumps(chat_body("TEXT")).replace("TEXT", f"you said {form}")
        body = body[:-1] + f', "echo": {{"k{form}": "{form}", "n": 123456789}}}}'
        return json_reply(body)

    return reply


@pytest.mark.parametrize("form", range(4))
def test_a_secret_echoed_back_escaped_is_redacted(
    face: Face,
    server: ScriptedServer,
    form: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    face.connector_options["secrets"] = SecretStore(environ={"WORD": SECRET})
    face.connector_options["debug"] = True
    server.default = echo_escaped(escaped_forms(SECRET)[form])
    result = face.run(
        "chat.create", {"model": "m", "prompt": "{{secrets.WORD}}"}, **compatible(server)
    )
    assert json.loads(server.requests[0].body)["messages"][0]["content"] == SECRET
    assert result.text is not None and result.text.startswith("you said ")
    assert result.body["echo"]["n"] == 123456789
    scan(json.dumps(result.to_dict()), str(result.text), caplog.text)
    if form < 3:  # decoded once, the secret is masked whole
        assert result.text == "you said ***"
        assert result.body["echo"] == {"k***": "***", "n": 123456789}


def test_an_escaped_secret_in_an_error_body_is_redacted(face: Face, server: ScriptedServer) -> None:
    face.connector_options["secrets"] = SecretStore(environ={"WORD": SECRET})
    go = escaped_forms(SECRET)[1]
    server.default = json_reply(f'{{"error": {{"message": "bad {go}", "code": "x"}}}}', 400)
    with pytest.raises(BadRequest) as caught:
        face.run("chat.create", {"model": "m", "prompt": "{{secrets.WORD}}"}, **compatible(server))
    error = caught.value
    assert error.result.body["error"]["message"] == "bad ***"
    scan(str(error), json.dumps(error.to_dict()), repr(error.result))


def test_an_escaped_secret_in_stream_events_is_redacted(face: Face, server: ScriptedServer) -> None:
    face.connector_options["secrets"] = SecretStore(environ={"WORD": SECRET})
    events = [json.dumps(e) for e in chat_chunks(["say ", "SECRET", " end"])]
    go = escaped_forms(SECRET)[2]
    events = [e.replace("SECRET", go) for e in events]
    server.script(Reply(events=events))
    chunks: list[Any] = []
    texts, result = face.stream(
        "chat.create",
        {"model": "m", "prompt": "{{secrets.WORD}}"},
        on_chunk=chunks.append,
        **compatible(server),
    )
    assert "".join(texts) == "say *** end" == result.text
    scan(*(json.dumps(c.data) for c in chunks), json.dumps(result.to_dict()))
    assert all(c.data is None or c.data["created"] == 1700000000 for c in chunks)


def test_chat_create_many_files_and_results_hold_no_escaped_secret(
    face: Face, server: ScriptedServer, tmp_path: Path
) -> None:
    face.connector_options["secrets"] = SecretStore(environ={"WORD": SECRET})
    forms = escaped_forms(SECRET)
    replies = iter([echo_escaped(forms[1]), echo_escaped(forms[2])])
    statuses = iter([200, 400])

    def reply(request: Recorded) -> Reply:
        answer = next(replies)(request)
        answer.status = next(statuses)
        return answer

    server.default = reply
    params = {"model": "m", "prompts": ["{{secrets.WORD}}", "b"], "concurrency": 1}
    result = face.run("chat.create_many", params, **compatible(server))
    out = tmp_path / "many.jsonl"
    server.reset_state()
    replies = iter([echo_escaped(forms[0]), echo_escaped(forms[3])])
    statuses = iter([200, 400])
    server.default = reply
    face.run("chat.create_many", {**params, "output": str(out)}, **compatible(server))
    written = out.read_text(encoding="utf-8")
    scan(json.dumps(result.to_dict()), written)
    assert "***" in written and "***" in json.dumps(result.to_dict())
    assert [json.loads(line)["index"] for line in written.splitlines()] == [0, 1]


# ---------------------------------------------------------------------- split


SPLIT = "sk-split-Secret-7Hq2Lz"


@pytest.mark.parametrize("cut", [1, 5, 12, len(SPLIT) - 1])
def test_a_secret_split_across_stream_events_is_not_shown_in_chunks(
    face: Face, server: ScriptedServer, cut: int
) -> None:
    pieces = [f"key {SPLIT[:cut]}", SPLIT[cut:] + " and", " more sk-sp"]
    server.script(Reply(events=chat_chunks(pieces)))
    chunks: list[Any] = []
    texts, result = face.stream(
        "chat.create",
        {"model": "m", "prompt": "hi"},
        on_chunk=chunks.append,
        **compatible(server, api_key=SPLIT),
    )
    shown = "".join(texts)
    assert shown == "key *** and more sk-sp" == result.text  # a held tail comes at the end
    for chunk in chunks:
        seen = f"{chunk.text} {json.dumps(chunk.data)} {chunk!r}"
        assert not any(SPLIT[i : i + 6] in seen for i in range(len(SPLIT) - 5)), seen
    in_data = [
        c.data["choices"][0]["delta"].get("content") or ""
        for c in chunks
        if c.data and c.data.get("choices")
    ]
    assert "".join(in_data) == "key *** and more "  # "sk-sp" was held back to the end


def test_without_secrets_in_the_text_chunks_are_as_sent(face: Face, server: ScriptedServer) -> None:
    pieces = ["Hello", ", wor", "ld"]
    server.script(Reply(events=chat_chunks(pieces)))
    texts, result = face.stream(
        "chat.create", {"model": "m", "prompt": "hi"}, **compatible(server, api_key="sk-unrelated")
    )
    assert texts == pieces
    assert result.text == "Hello, world"


# ------------------------------------------------------------------- userinfo


def test_userinfo_in_base_url_is_sent_as_basic_auth_by_both_faces(
    face: Face, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    face.connector_options["debug"] = True
    server.default = Reply(json=chat_body("fine"))
    url = server.url.replace("http://", "http://alice:p%40ss-W0rd-9@") + "/v1"
    result = face.run(
        "chat.create", {"model": "m", "prompt": "hi"}, provider="compatible", base_url=url
    )
    assert result.text == "fine"
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    expected = base64.b64encode(b"alice:p@ss-W0rd-9").decode()
    assert sent.headers["authorization"] == f"Basic {expected}"
    assert "ss-W0rd" not in caplog.text and expected not in caplog.text
    assert "/v1/chat/completions" in caplog.text


def test_userinfo_is_masked_in_repr_and_errors(face: Face) -> None:
    from socket import socket

    with socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://bob:hunter2-pw-77@127.0.0.1:{port}/v1"
    connection = Connection(provider="compatible", base_url=url)
    assert "hunter2" not in repr(connection) + str(connection.public())
    assert "bob:***@" in repr(connection)
    with pytest.raises(ConnectionFailed) as caught:
        face.run(
            "chat.create",
            {"model": "m", "prompt": "hi"},
            connection=connection,
            retry=RetryPolicy(max_retries=0),
        )
    shown = str(caught.value) + json.dumps(caught.value.to_dict()) + repr(caught.value)
    assert "hunter2" not in shown


def test_a_lone_token_as_userinfo_is_masked_whole() -> None:
    connection = Connection(provider="compatible", base_url="http://tok3n-value-x@host/v1")
    assert "tok3n" not in repr(connection)
    assert connection.public()["base_url"] == "http://***@host/v1"


def test_userinfo_and_an_api_key_together_are_refused(face: Face, server: ScriptedServer) -> None:
    url = server.url.replace("http://", "http://u:secret-pw-5@") + "/v1"
    with pytest.raises(ConfigError, match="base_url holds a user name and password") as caught:
        face.run(
            "chat.create",
            {"model": "m", "prompt": "hi"},
            provider="compatible",
            base_url=url,
            api_key="sk-key-too",
        )
    assert "secret-pw-5" not in str(caught.value)
    assert server.requests == []


def test_userinfo_in_an_azure_endpoint_is_refused(face: Face) -> None:
    with pytest.raises(ConfigError, match="endpoint holds a user name and password"):
        face.run(
            "chat.create",
            {"model": "m", "prompt": "hi"},
            provider="azure",
            endpoint="https://u:azure-pw-1@res.openai.azure.com",
            api_key="k" * 32,
        )


# ------------------------------------------------------------------------ short


SHORT_BODY = (
    '{"id": "c-1", "object": "chat.completion", "created": 1234567, "model": "m",'
    ' "rate_limit": 1234, "flags": [true, null, false, 12.34e5],'
    ' "choices": [{"index": 0, "message": {"role": "assistant", "content": "pin 1234"},'
    ' "finish_reason": "stop"}],'
    ' "usage": {"prompt_tokens": 1234, "completion_tokens": 1, "total_tokens": 1235}}'
)


@pytest.mark.parametrize("short", ["1234", "true", "null"])
def test_a_short_secret_never_rewrites_numbers_or_literals(
    face: Face, server: ScriptedServer, short: str
) -> None:
    server.default = json_reply(SHORT_BODY)
    result = face.run(
        "chat.create", {"model": "m", "prompt": "hi"}, **compatible(server, api_key=short)
    )
    expected = json.loads(SHORT_BODY)
    assert result.body["created"] == 1234567
    assert result.body["rate_limit"] == 1234
    assert result.body["flags"] == [True, None, False, 1234000.0]
    assert result.usage is not None and result.usage.prompt_tokens == 1234
    if short == "1234":
        assert result.text == "pin ***"
    else:
        assert result.body == expected


def test_a_short_secret_in_stream_events_keeps_them_valid(
    face: Face, server: ScriptedServer
) -> None:
    events = chat_chunks(["pin ", "1234", " ok"])
    for event in events:
        event["created"] = 12345678
    server.script(Reply(events=events))
    chunks: list[Any] = []
    texts, result = face.stream(
        "chat.create",
        {"model": "m", "prompt": "hi"},
        on_chunk=chunks.append,
        **compatible(server, api_key="1234"),
    )
    assert "".join(texts) == result.text == "pin *** ok"
    assert result.body["created"] == 12345678
    assert all(c.data is None or c.data["created"] == 12345678 for c in chunks)


# ------------------------------------------------------------------- headers


def test_literal_credential_headers_are_masked_in_logs_and_redacted(
    face: Face, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    face.connector_options["debug"] = True
    literal = "literal-x-api-key-31"
    server.default = lambda r: Reply(
        json=chat_body(f"got {r.headers['x-api-key']}"), headers={"x-seen": r.headers["x-api-key"]}
    )
    conn = compatible(server, headers={"X-Api-Key": literal, "X-Trace": "visible-trace"})
    result = face.run("chat.create", {"model": "m", "prompt": "hi"}, **conn)
    assert server.requests[0].headers["x-api-key"] == literal
    assert result.text == "got ***" and result.headers["x-seen"] == "***"
    assert literal not in caplog.text
    assert '"x-api-key": "***"' in caplog.text and "visible-trace" in caplog.text
    assert literal not in repr(Connection(**conn)) + json.dumps(Connection(**conn).public())


def test_a_secret_in_a_response_header_name_is_redacted(
    face: Face, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    face.connector_options["debug"] = True
    key = "sk-HeaderName-Key-42"
    server.default = lambda r: Reply(json=chat_body("ok"), headers={f"X-{key}": "v", "X-Ok": key})
    result = face.run(
        "chat.create", {"model": "m", "prompt": "hi"}, **compatible(server, api_key=key)
    )
    assert "x-***" in result.headers and result.headers["x-ok"] == "***"
    text = caplog.text.lower()
    assert key.lower() not in text and "headername" not in text


# ------------------------------------------------------------------ redactor


def test_the_redactor_finds_escaped_forms_in_text_only_behind_a_backslash() -> None:
    redactor = Redactor([SECRET])
    for form in escaped_forms(SECRET):
        shown = redactor(f"x {form} y")
        assert "***" in shown and "Q7" not in shown and "Lp" not in shown
        assert redactor.may_hold(f'"{form}"'.encode())
    assert not redactor.may_hold(b'{"a": "line\\nbreak\\ttab"}')
    assert not Redactor(["sk-plain-key"]).may_hold(b'{"a": "say \\"hi\\" \\\\ done"}')


def test_split_pending_never_cuts_a_whole_secret() -> None:
    redactor = Redactor(["abcd", "cdef"])
    assert redactor.split_pending("xabcd") == ("x***", "")
    assert redactor.split_pending("xabc") == ("x", "abc")
    assert redactor.split_pending("xab cd") == ("xab ", "cd")
