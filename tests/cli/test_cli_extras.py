"""--extra-body, --extra-headers, --extra-query: generated from the input model's fields."""

from __future__ import annotations

import json

from scripted_server import Reply, ScriptedServer, chat_body


def test_run_sends_the_extras(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body("hi"))
    result = invoke(
        "run", "chat.create", "--prompt", "hi", "--model", "m",
        "--extra-body", '{"verbosity": "low"}',
        "--extra-headers", '{"X-Trace-Id": "t-1"}',
        "--extra-query", '{"beta": "yes"}',
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sent = server.requests[0]
    assert sent.json["verbosity"] == "low"
    assert sent.headers["x-trace-id"] == "t-1"
    assert sent.query == {"beta": "yes"}
    assert json.loads(result.stdout)["body"]["choices"][0]["message"]["content"] == "hi"


def test_a_refused_header_exits_2_naming_the_field(server: ScriptedServer, invoke) -> None:
    result = invoke(
        "run", "chat.create", "--prompt", "hi", "--model", "m",
        "--extra-headers", '{"Authorization": "Bearer other"}',
    )  # fmt: skip
    assert result.exit_code == 2
    assert "extra_headers: Authorization cannot be set here" in result.stderr
    assert "Bearer other" not in result.stdout
    assert server.requests == []


def test_a_composite_has_no_extra_options(invoke) -> None:
    result = invoke("run", "batches.wait", "--help", connect=False)
    assert result.exit_code == 0
    assert "--extra-body" not in result.stdout
    shown = invoke("run", "batches.retrieve", "--help", connect=False)
    assert "--extra-query" in shown.stdout
