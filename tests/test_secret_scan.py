"""The planted-secret test: a secret never leaves through any output channel.

Three distinctive values are planted: one in the environment, one in a secrets file, one in a
secrets directory. They are used as the API key, in a custom header and inside a prompt. A
series of calls (successes, failures of every kind, streams) runs through both faces with
debug logging on, and everything that comes out is scanned: every log record of every
logger, stdout and stderr, each exception's str, repr, to_dict and traceback, each result's
JSON, each stream chunk, and every warning. The values must never appear (not even cut in
part), and ``***`` must appear where they would have been.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from openai_connector import (
    AuthenticationFailed,
    ConnectionFailed,
    ConnectorError,
    InvalidInput,
    InvalidResponse,
    Result,
    RetryPolicy,
    SecretNotFound,
    SecretStore,
    ServerError,
    StreamInterrupted,
)
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks

ENV_SECRET = "sk-pl4nted-Env-9QxV7tKm2WzR"
FILE_SECRET = "pl4nted-File-3RbN8yLc5HdQ"
DIR_SECRET = "pl4nted-Dir-6JfT1uGs4PaZ"
USER_SECRET = "pl4nted-User-8MwK2xVb7Ns"
"""The password in a base URL's user info."""
HEADER_SECRET = "pl4nted-Hdr-5TgY3eWq1Lo"
"""A literal key in a configured header (x-api-key)."""
PLANTED = (ENV_SECRET, FILE_SECRET, DIR_SECRET, USER_SECRET, HEADER_SECRET)
WINDOW = 8
"""Any 8 characters in a row of a planted value count as a leak (a value cut in half)."""
_UNICODE_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})")
_CHAR_ESCAPE = re.compile(r"\\+([\"\\/])")


def unescaped(text: str) -> str:
    """``text`` with JSON escapes decoded, however deep (\\u0026, \\\\\\", \\/)."""
    for _ in range(3):
        text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        text = _CHAR_ESCAPE.sub(r"\1", text)
    return text


def leaks(text: str) -> list[str]:
    """Pieces of planted values in ``text``: as they are, escaped, or in other case (HTTP
    lowercases header names)."""
    found = []
    shapes = [text, unescaped(text)]
    shapes += [shape.lower() for shape in shapes]
    for value in PLANTED:
        for start in range(len(value) - WINDOW + 1):
            piece = value[start : start + WINDOW]
            if any(piece in shape or piece.lower() in shape for shape in shapes):
                found.append(piece)
                break
    return found


def go_escaped(value: str) -> str:
    """``value`` as Go's JSON encoder and others escape it: some characters as \\uXXXX."""
    return "".join(f"\\u{ord(c):04x}" if c in "-ptE" else c for c in value)


class Channels:
    """Everything a run put out, as text."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, label: str, text: str) -> None:
        self.texts.append(f"--- {label}\n{text}")

    def result(self, label: str, result: Result) -> None:
        self.add(label, json.dumps(result.to_dict(), default=repr))
        self.add(label + " repr", repr(result))
        self.add(label + " text", str(result.text))

    def error(self, label: str, error: BaseException) -> None:
        self.add(label + " str", str(error))
        self.add(label + " repr", repr(error))
        self.add(label + " args", repr(error.args))
        self.add(label + " traceback", "".join(traceback.format_exception(error)))
        if isinstance(error, ConnectorError):
            self.add(label + " to_dict", json.dumps(error.to_dict(), default=repr))
        result = getattr(error, "result", None)
        if result is not None:
            self.result(label + " result", result)

    def chunk(self, label: str, chunk: Any) -> None:
        self.add(label, f"{chunk!r} {chunk.text} {json.dumps(chunk.data, default=repr)}")

    def logs(self, caplog: pytest.LogCaptureFixture) -> None:
        self.add("log text", caplog.text)
        for record in caplog.records:
            self.add(
                f"log {record.name}",
                f"{record.getMessage()} {record.args!r} {record.exc_text or ''}",
            )

    def joined(self) -> str:
        return "\n".join(self.texts)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SecretStore:
    monkeypatch.setenv("PLANTED_KEY", ENV_SECRET)
    file = tmp_path / "secrets.env"
    file.write_text(f"PLANTED_HEADER={FILE_SECRET}\n", encoding="utf-8")
    directory = tmp_path / "secrets.d"
    directory.mkdir()
    (directory / "PLANTED_WORD").write_text(DIR_SECRET + "\n", encoding="utf-8")
    return SecretStore(file=file, directory=directory)


def echo(request: Recorded) -> Reply:
    """A careless server: repeats the credentials and the prompt back, in body and headers."""
    auth = request.headers.get("authorization", "")
    custom = request.headers.get("x-custom", "")
    prompt = request.json["messages"][-1]["content"] if request.body else ""
    body = chat_body(f"you said {prompt!r} with {auth}")
    body["echo"] = {"authorization": auth, "x-custom": custom}
    return Reply(json=body, headers={"X-Echo-Auth": auth, "X-Echo-Custom": custom})


def escaped_echo(request: Recorded, status: int = 200) -> Reply:
    """A server that repeats the key and the prompt JSON-escaped, as Go's encoder would."""
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    prompt = request.json["messages"][-1]["content"]
    text = json.dumps(prompt)[1:-1]
    body = (
        f'{{"id": "c", "object": "chat.completion", "created": 1700000000, "model": "m", '
        f'"choices": [{{"index": 0, "finish_reason": "stop", "message": {{"role": '
        f'"assistant", "content": "{go_escaped(text)} {go_escaped(key)}"}}}}], '
        f'"error": {{"message": "key \\"{go_escaped(key)}\\" refused", "code": "bad"}}, '
        f'"nested": "{json.dumps(json.dumps(key))[1:-1]}"}}'
    )
    return Reply(status, body=body.encode(), headers={"content-type": "application/json"})


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> Iterator[Channels]:
    """Debug logging from every logger and every warning, recorded."""
    channels = Channels()
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield channels
    for warning in caught:
        channels.add("warning", f"{warning.category.__name__}: {warning.message}")
    channels.logs(caplog)


@pytest.fixture(params=["sync", "async"])
def face(request: pytest.FixtureRequest, store: SecretStore) -> Face:
    return Face(request.param, connector_options={"secrets": store, "debug": True})


def connection(server: ScriptedServer, **more: Any) -> dict[str, Any]:
    return {
        "provider": "compatible",
        "base_url": server.url + "/v1",
        "api_key": "{{secrets.PLANTED_KEY}}",
        "headers": {"X-Custom": "tenant {{secrets.PLANTED_HEADER}}"},
        **more,
    }


PROMPT = {"model": "gpt-4o-mini", "prompt": "remember {{secrets.PLANTED_WORD}} please"}


def test_no_planted_secret_leaks_through_any_channel(
    face: Face,
    server: ScriptedServer,
    everything: Channels,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = everything
    conn = connection(server)

    # 1. a success whose response repeats every secret, in the body and in headers
    server.default = echo
    result = face.run("chat.create", PROMPT, **conn)
    out.result("success", result)
    sent = server.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {ENV_SECRET}"  # the real values went out
    assert sent.headers["x-custom"] == f"tenant {FILE_SECRET}"
    assert DIR_SECRET in sent.json["messages"][-1]["content"]
    assert result.body["echo"] == {"authorization": "Bearer ***", "x-custom": "tenant ***"}
    assert result.headers["x-echo-auth"] == "Bearer ***"
    assert result.headers["x-echo-custom"] == "tenant ***"
    assert result.text == "you said 'remember *** please' with Bearer ***"

    # 2. a streamed call whose events repeat the secrets
    pieces = [f"key {ENV_SECRET}", f" header {FILE_SECRET}", f" word {DIR_SECRET}"]
    server.script(Reply(events=chat_chunks(pieces), headers={"X-Echo": ENV_SECRET}))
    texts, streamed = face.stream(
        "chat.create", PROMPT, on_chunk=lambda c: out.chunk("chunk", c), **conn
    )
    out.result("stream", streamed)
    out.add("stream texts", "".join(texts))
    assert streamed.text == "key *** header *** word ***"
    assert streamed.headers["x-echo"] == "***"

    # 3. a 401 whose error body echoes the Authorization header
    server.script(
        Reply(
            401,
            json={
                "error": {
                    "message": f"Incorrect API key provided: {ENV_SECRET}.",
                    "code": "invalid_api_key",
                    "sent": {"authorization": f"Bearer {ENV_SECRET}"},
                }
            },
            headers={"WWW-Authenticate": f"Bearer realm=x, key={ENV_SECRET}"},
        )
    )
    with pytest.raises(AuthenticationFailed) as caught_401:
        face.run("chat.create", PROMPT, **conn)
    out.error("401", caught_401.value)
    assert "Incorrect API key provided: ***." in str(caught_401.value)
    assert caught_401.value.result.body["error"]["sent"] == {"authorization": "Bearer ***"}
    assert caught_401.value.result.headers["www-authenticate"] == "Bearer realm=x, key=***"

    # 4. 500s with retries, each echoing the key
    server.default = lambda r: Reply(
        500, json={"error": {"message": f"upstream failed for {r.headers['authorization']}"}}
    )
    with pytest.raises(ServerError) as caught_500:
        face.run("chat.create", PROMPT, retry=RetryPolicy(max_retries=2), **conn)
    out.error("500", caught_500.value)
    assert caught_500.value.result.attempts == 3
    assert "upstream failed for Bearer ***" in str(caught_500.value)

    # 5. a secret that is not defined, next to ones that are
    with pytest.raises(SecretNotFound) as caught_missing:
        face.run(
            "chat.create",
            {"model": "m", "prompt": "{{secrets.PLANTED_WORD}} {{secrets.PLANTED_MISSING}}"},
            **conn,
        )
    out.error("missing", caught_missing.value)
    assert "PLANTED_MISSING" in str(caught_missing.value)

    # 6. invalid input whose message quotes the (resolved) input
    with pytest.raises(InvalidInput) as caught_input:
        face.run(
            "chat.create",
            {**PROMPT, "images": ["/nowhere/{{secrets.PLANTED_WORD}}.png"]},
            **conn,
        )
    out.error("input", caught_input.value)
    assert "/nowhere/***.png" in str(caught_input.value)
    assert caught_input.value.field == "images"

    # 7. a connection error
    with pytest.raises(ConnectionFailed) as caught_refused:
        face.run(
            "chat.create",
            PROMPT,
            **{**conn, "base_url": f"http://127.0.0.1:{unused_port()}/v1"},
        )
    out.error("refused", caught_refused.value)

    # 8. a 200 whose body is not JSON and repeats the key
    server.script(
        Reply(body=f"<oops {ENV_SECRET}>".encode(), headers={"content-type": "application/json"})
    )
    with pytest.raises(InvalidResponse) as caught_json:
        face.run("chat.create", PROMPT, **conn)
    out.error("not json", caught_json.value)
    assert "<oops ***>" in str(caught_json.value)

    # 9. a stream broken off by an error event repeating the key
    server.script(
        Reply(
            events=[*chat_chunks(["a"])[:2], {"error": {"message": f"bad key {ENV_SECRET}"}}],
            done=False,
        )
    )
    with pytest.raises(StreamInterrupted) as caught_event:
        face.stream("chat.create", PROMPT, on_chunk=lambda c: out.chunk("chunk", c), **conn)
    out.error("stream error", caught_event.value)
    assert "bad key ***" in str(caught_event.value)

    # 10. a stream event that is not JSON, with a secret where a message would cut it
    server.script(Reply(events=["x" * 70 + ENV_SECRET], done=False))
    with pytest.raises(InvalidResponse) as caught_event_json:
        face.stream("chat.create", PROMPT, **conn)
    out.error("stream not json", caught_event_json.value)

    # 11. a prompt long enough that the debug dump's cut falls inside a secret
    server.default = Reply(json=chat_body("fine"))
    # the body starts '{"model": "m", "messages": [{"role": "user", "content": "' (57
    # characters): with these paddings the 4000-character cut falls inside either value
    for pad in range(3890, 3945, 4):
        long_prompt = "p" * pad + " {{secrets.PLANTED_WORD}} {{secrets.PLANTED_KEY}}"
        out.result("long", face.run("chat.create", {"model": "m", "prompt": long_prompt}, **conn))

    # 12. what the connector itself shows about its connection
    from openai_connector import Connection

    shown = Connection(**{**conn, "api_key": ENV_SECRET})
    out.add("connection repr", repr(shown))
    out.add("connection public", json.dumps(shown.public()))

    # 13. secrets echoed back JSON-escaped: in a body, an error body and stream events
    server.default = escaped_echo
    out.result("escaped", face.run("chat.create", PROMPT, **conn))
    server.default = lambda r: escaped_echo(r, 400)
    with pytest.raises(ConnectorError) as caught_escaped:
        face.run("chat.create", PROMPT, **conn)
    out.error("escaped error", caught_escaped.value)
    events = [json.dumps(e) for e in chat_chunks(["a ", "KEY", " b ", "WORD", " c"])]
    events = [
        e.replace("KEY", go_escaped(ENV_SECRET)).replace("WORD", go_escaped(DIR_SECRET))
        for e in events
    ]
    server.script(Reply(events=events))
    texts, streamed = face.stream(
        "chat.create", PROMPT, on_chunk=lambda c: out.chunk("escaped chunk", c), **conn
    )
    out.result("escaped stream", streamed)
    assert "".join(texts) == streamed.text == "a *** b *** c"

    # 14. secrets split across stream events, at every cut
    for cut in range(1, len(FILE_SECRET)):
        pieces = [f"x {FILE_SECRET[:cut]}", f"{FILE_SECRET[cut:]} {ENV_SECRET[:cut]}"]
        server.script(Reply(events=chat_chunks([*pieces, ENV_SECRET[cut:] + " y"])))
        texts, streamed = face.stream(
            "chat.create", PROMPT, on_chunk=lambda c: out.chunk("split chunk", c), **conn
        )
        out.add("split texts", "|".join(texts))
        assert "".join(texts) == streamed.text == "x *** *** y"

    # 15. a password in the base URL's user info, a literal header key, a secret in a
    # response header's name
    server.default = lambda r: Reply(
        json=chat_body(f"{r.headers['authorization']} {r.headers['x-api-key']}"),
        headers={f"X-{HEADER_SECRET}": "1", f"X-{DIR_SECRET.upper()}": "2"},
    )
    userinfo = {
        "provider": "compatible",
        "base_url": server.url.replace("http://", f"http://scan-user:{USER_SECRET}@") + "/v1",
        "headers": {"X-Api-Key": HEADER_SECRET},
    }
    out.result("userinfo", face.run("chat.create", PROMPT, **userinfo))
    assert server.requests[-1].headers["x-api-key"] == HEADER_SECRET
    assert server.requests[-1].headers["authorization"].startswith("Basic ")
    out.add("userinfo connection", repr(Connection(**userinfo)))
    refused_url = f"http://scan-user:{USER_SECRET}@127.0.0.1:{unused_port()}/v1"
    with pytest.raises(ConnectionFailed) as caught_userinfo:
        face.run("chat.create", PROMPT, **{**userinfo, "base_url": refused_url})
    out.error("userinfo refused", caught_userinfo.value)

    # every channel, scanned
    captured = capsys.readouterr()
    out.add("stdout", captured.out)
    out.add("stderr", captured.err)
    out.logs(caplog)
    text = out.joined()
    assert leaks(text) == []
    assert "***" in text
    http_log = [r.getMessage() for r in caplog.records if r.name == "openai_connector.http"]
    assert any('"authorization": "***"' in m and '"x-custom": "tenant ***"' in m for m in http_log)
    assert any("remember *** please" in m for m in http_log)
    assert any("x-echo-auth" in m and "Bearer ***" in m for m in http_log)


def test_secret_in_the_query_string_is_masked_in_our_own_log_and_errors(
    server: ScriptedServer, store: SecretStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    face = Face("sync", connector_options={"secrets": store, "debug": True})
    server.default = Reply(500, json={"error": {"message": "no"}})
    with pytest.raises(ServerError) as caught:
        face.run(
            "chat.create",
            PROMPT,
            **connection(server, query={"code": "{{secrets.PLANTED_HEADER}}"}),
            retry=RetryPolicy(max_retries=0),
        )
    assert server.requests[0].query == {"code": FILE_SECRET}
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("openai_connector")
    )
    assert "?code=***" in ours
    assert leaks(ours + str(caught.value) + json.dumps(caught.value.to_dict())) == []


# ------------------------------------------------------------------ the command line


def test_no_planted_secret_leaks_from_the_command_line(
    server: ScriptedServer,
    store: SecretStore,
    tmp_path: Path,
    everything: Channels,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from click.testing import CliRunner

    from openai_connector.cli.main import cli

    out = everything
    assert store.file is not None and store.directory is not None
    config = tmp_path / "config.toml"
    config.write_text(
        f'[secrets]\nfile = "{store.file}"\ndirectory = "{store.directory}"\n\n'
        "[connections.planted]\n"
        'provider = "compatible"\n'
        f'base_url = "{server.url}/v1"\n'
        'api_key = "{{secrets.PLANTED_KEY}}"\n'
        'headers = {"X-Custom" = "tenant {{secrets.PLANTED_HEADER}}"}\n\n'
        "[connections.userinfo]\n"
        'provider = "compatible"\n'
        f'base_url = "{server.url.replace("http://", f"http://scan-user:{USER_SECRET}@")}/v1"\n'
        f'headers = {{"X-Api-Key" = "{HEADER_SECRET}"}}\n',
        encoding="utf-8",
    )
    userinfo = ["--config", str(config), "--connection", "userinfo", "--debug"]
    split = [f"x {ENV_SECRET[:9]}", f"{ENV_SECRET[9:]} {DIR_SECRET[:3]}", f"{DIR_SECRET[3:]} y"]
    base = ["--config", str(config), "--connection", "planted", "--debug"]
    prompt = ["--model", "gpt-4o-mini", "--prompt", "remember {{secrets.PLANTED_WORD}} please"]
    no_wait = {"retry-after-ms": "0"}  # retries without sleeping for real
    refused = f"http://127.0.0.1:{unused_port()}/v1"
    runs: list[tuple[str, list[str], Any, int]] = [
        ("success", [*base, "chat", *prompt], echo, 0),
        ("success json", [*base, "--json", "chat", *prompt], echo, 0),
        ("text", [*base, "--text", "chat", *prompt], echo, 0),
        (
            "expression",
            [*base, "--result-expression", "{said: body.echo, h: headers}", "chat", *prompt],
            echo,
            0,
        ),
        (
            "stream",
            [*base, "chat", "--stream", *prompt],
            Reply(events=chat_chunks([f"key {ENV_SECRET}", f" word {DIR_SECRET}"])),
            0,
        ),
        (
            "401",
            [*base, "chat", *prompt],
            lambda r: Reply(
                401,
                json={"error": {"message": f"Incorrect key {r.headers['authorization']}"}},
                headers={"X-Echo": r.headers["authorization"]},
            ),
            3,
        ),
        (
            "401 json",
            [*base, "--json", "chat", *prompt],
            lambda r: Reply(401, json={"error": {"message": r.headers["authorization"]}}),
            3,
        ),
        (
            "500s",
            [*base, "--max-retries", "2", "chat", *prompt],
            lambda r: Reply(
                500, json={"error": {"message": r.headers["x-custom"]}}, headers=no_wait
            ),
            3,
        ),
        (
            "missing secret",
            [*base, "chat", "--model", "m", "--prompt", "{{secrets.PLANTED_MISSING}}"],
            echo,
            2,
        ),
        (
            "invalid input",
            [*base, "chat", *prompt, "--image", "/nowhere/{{secrets.PLANTED_WORD}}.png"],
            echo,
            2,
        ),
        (
            "refused",
            [*base, "--base-url", refused, "--max-retries", "0", "chat", *prompt],
            echo,
            4,
        ),
        (
            "literal key flag",
            [*base, "--api-key", ENV_SECRET, "--json", "chat", *prompt],
            lambda r: Reply(403, json={"error": {"message": r.headers["authorization"]}}),
            3,
        ),
        ("escaped", [*base, "chat", *prompt], escaped_echo, 0),
        ("escaped json", [*base, "--json", "chat", *prompt], escaped_echo, 0),
        ("escaped error", [*base, "chat", *prompt], lambda r: escaped_echo(r, 400), 3),
        ("split stream", [*base, "chat", "--stream", *prompt], Reply(events=chat_chunks(split)), 0),
        (
            "split stream json",
            [*base, "--json", "chat", "--stream", *prompt],
            Reply(events=chat_chunks(split)),
            0,
        ),
        (
            "userinfo and header key",
            [*userinfo, "--json", "chat", *prompt],
            lambda r: Reply(
                json=chat_body(f"{r.headers['authorization']} {r.headers['x-api-key']}"),
                headers={f"X-{HEADER_SECRET}": "1", f"X-{USER_SECRET}": "2"},
            ),
            0,
        ),
        (
            "userinfo refused",
            [
                *userinfo,
                "--base-url",
                refused.replace("//", f"//u:{USER_SECRET}@"),
                "chat",
                *prompt,
            ],
            echo,
            4,
        ),
        (
            "test-connection",
            [*base, "test-connection", "--model", "gpt-4o-mini"],
            lambda r: Reply(401, json={"error": {"message": r.headers["authorization"]}}),
            3,
        ),
    ]
    for label, argv, reply, expected in runs:
        server.reset_state()
        server.default = reply
        result = CliRunner().invoke(cli, argv)
        out.add(f"cli {label} stdout", result.stdout)
        out.add(f"cli {label} stderr", result.stderr)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            out.error(f"cli {label}", result.exception)
        assert result.exit_code == expected, (label, result.stdout, result.stderr)
        if label == "success":
            assert '"authorization": "Bearer ***"' in result.stdout
            assert "debug: request" in result.stderr
        if label == "stream":
            assert "key *** word ***" in result.stdout
        if label == "split stream":
            assert result.stdout == "x *** *** y\n"
        if label == "escaped json":
            json.loads(result.stdout)
        if label == "invalid input":
            assert "/nowhere/***.png" in result.stderr
    captured = capsys.readouterr()
    out.add("stdout", captured.out)
    out.add("stderr", captured.err)
    out.logs(caplog)
    text = out.joined()
    assert leaks(text) == []
    assert text.count("***") > 20
