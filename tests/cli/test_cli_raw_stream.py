"""run raw.request --stream: events printed as they come."""

from __future__ import annotations

import json

from scripted_server import Reply, ScriptedServer

EVENTS = b'data: {"type": "a"}\n\ndata: plain text\n\nevent: ping\ndata: 42\n\ndata: [DONE]\n\n'
BODY = [
    {"event": None, "data": {"type": "a"}},
    {"event": None, "data": "plain text"},
    {"event": "ping", "data": 42},
]


def test_the_command_line_prints_events_as_they_come(server: ScriptedServer, invoke) -> None:
    server.default = Reply(body=EVENTS, headers={"content-type": "text/event-stream"})
    result = invoke(
        "run", "raw.request", "--path", "/responses", "--method", "POST",
        "--data", '{"stream": true}', "--stream",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == '{"type": "a"}\nplain text\n42\n'
    with_json = invoke(
        "--json", "run", "raw.request", "--path", "/responses", "--method", "POST", "--stream"
    )
    assert json.loads(with_json.stdout)["body"] == BODY
    assert "plain text" in with_json.stderr
