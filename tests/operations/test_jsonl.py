"""jsonl.build: JSON Lines files for fine-tuning and batches, built and checked locally."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from openai_connector import AsyncConnector, Connector, InvalidInput
from scripted_server import ScriptedServer

CHAT = {
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris.", "weight": 1},
    ]
}
TOOLS_CHAT = {
    "messages": [
        {"role": "user", "content": "Weather in Rome?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Rome"}'},
                }
            ],
        },
    ],
    "tools": [{"type": "function", "function": {"name": "weather", "parameters": {}}}],
    "parallel_tool_calls": False,
}


def build(params: dict[str, Any], **connection: Any) -> Any:
    options = connection or {"provider": "compatible", "base_url": "http://127.0.0.1:9/v1"}
    with Connector(**options) as connector:
        return connector.run("jsonl.build", params)


def refused(params: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        build(params)
    return caught.value


def lines_of(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------ formats


def test_chat_minimal(tmp_path: Path) -> None:
    target = tmp_path / "train.jsonl"
    result = build({"records": [CHAT], "output": str(target)})
    assert lines_of(target) == [CHAT]
    assert result.status == 200
    assert result.body == {
        "path": str(target),
        "lines": 1,
        "bytes": target.stat().st_size,
        "format": "chat",
    }
    assert result.extra["files"] == [str(target)]
    assert target.read_bytes().endswith(b"}\n")


def test_chat_with_tools_unicode_and_records_as_json_text(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "train.jsonl"
    unicode_chat = {
        "messages": [
            {"role": "user", "content": "Grüß dich 👋"},
            {"role": "assistant", "content": "Hallo!"},
        ]
    }
    records = json.dumps([TOOLS_CHAT, unicode_chat])
    result = build({"records": records, "format": "chat", "output": str(target)})
    assert lines_of(target) == [TOOLS_CHAT, unicode_chat]
    assert "Grüß dich 👋" in target.read_text(encoding="utf-8")
    assert result.body["lines"] == 2


def test_legacy_prompt_completion(tmp_path: Path) -> None:
    target = tmp_path / "legacy.jsonl"
    records = [{"prompt": "2+2=", "completion": " 4"}, {"prompt": "", "completion": " hi"}]
    result = build({"records": records, "format": "completion", "output": str(target)})
    assert lines_of(target) == records
    assert result.body["format"] == "completion"


def test_batch_fills_method_url_and_model(tmp_path: Path) -> None:
    target = tmp_path / "batch.jsonl"
    records = [
        {"custom_id": "q1", "body": {"messages": [{"role": "user", "content": "Hi"}]}},
        {
            "custom_id": "q2",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "Yo"}]},
        },
    ]
    build({"records": records, "format": "batch", "model": "gpt-4o-mini", "output": str(target)})
    assert lines_of(target) == [
        {
            "custom_id": "q1",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
        },
        records[1],
    ]


def test_batch_for_embeddings(tmp_path: Path) -> None:
    target = tmp_path / "emb.jsonl"
    records = [
        {"custom_id": f"e{i}", "body": {"model": "text-embedding-3-small", "input": f"t{i}"}}
        for i in range(3)
    ]
    result = build(
        {
            "records": records,
            "format": "batch",
            "endpoint": "/v1/embeddings",
            "output": str(target),
        }
    )
    assert [line["url"] for line in lines_of(target)] == ["/v1/embeddings"] * 3
    assert result.body["lines"] == 3


# ------------------------------------------------------- every bad record


def test_every_bad_chat_record_is_reported_by_line_and_nothing_written(tmp_path: Path) -> None:
    target = tmp_path / "train.jsonl"
    records = [
        CHAT,
        {"messages": [{"role": "user", "content": "no answer"}]},
        CHAT,
        {"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]},
        "not an object",
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant"}]},
        {"prompt": "wrong format", "completion": "x"},
        {
            "messages": [
                {"role": "user", "content": "q", "weight": 1},
                {"role": "assistant", "content": "a"},
            ]
        },
    ]
    error = refused({"records": records, "output": str(target)})
    assert error.field == "records"
    assert sorted({e["line"] for e in error.errors}) == [2, 4, 5, 6, 7, 8]
    by_line = {e["line"]: e["message"] for e in error.errors}
    assert "assistant message" in by_line[2]
    assert "messages[0].role" in by_line[4]
    assert by_line[5] == "must be a JSON object"
    assert "messages[1]" in by_line[6]
    assert "weight" in by_line[8]
    assert all(e["field"] == f"records[{e['line'] - 1}]" for e in error.errors)
    assert "6 of 8 records are invalid" in str(error)
    assert "line 2:" in str(error) and "line 8:" in str(error)
    assert not target.exists()


def test_every_bad_legacy_record_is_reported(tmp_path: Path) -> None:
    records = [
        {"prompt": "a", "completion": "b"},
        {"prompt": "a"},
        {"prompt": 1, "completion": "b"},
        {"prompt": "a", "completion": ""},
        {"prompt": "a", "completion": "b", "extra": True},
    ]
    error = refused(
        {"records": records, "format": "completion", "output": str(tmp_path / "l.jsonl")}
    )
    assert sorted({e["line"] for e in error.errors}) == [2, 3, 4, 5]


def test_every_bad_batch_record_is_reported(tmp_path: Path) -> None:
    good = {
        "custom_id": "a",
        "body": {"model": "m", "messages": [{"role": "user", "content": "q"}]},
    }
    records = [
        good,
        {**good},  # duplicate custom_id
        {"body": good["body"]},  # no custom_id
        {**good, "custom_id": "b", "method": "GET"},
        {**good, "custom_id": "c", "url": "/v1/embeddings"},
        {"custom_id": "d", "body": {"messages": [{"role": "user", "content": "q"}]}},  # no model
        {"custom_id": "e"},  # no body
        {**good, "custom_id": "f", "headers": {}},
    ]
    error = refused({"records": records, "format": "batch", "output": str(tmp_path / "b.jsonl")})
    by_line: dict[int, list[str]] = {}
    for e in error.errors:
        by_line.setdefault(e["line"], []).append(e["message"])
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8]
    assert "already used on line 1" in by_line[2][0]
    assert any("custom_id" in m for m in by_line[3])
    assert any("method" in m for m in by_line[4])
    assert any("one batch runs one endpoint" in m for m in by_line[5])
    assert any("body.model" in m for m in by_line[6])
    assert any("body" in m for m in by_line[7])
    assert any("headers" in m for m in by_line[8])


def test_batch_over_50000_requests_is_refused(tmp_path: Path) -> None:
    records = [{"custom_id": str(i), "body": {"model": "m", "input": "x"}} for i in range(50_001)]
    error = refused(
        {
            "records": records,
            "format": "batch",
            "endpoint": "/v1/embeddings",
            "output": str(tmp_path / "b.jsonl"),
        }
    )
    assert error.field == "records"
    assert "50000" in str(error)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"records": [CHAT], "output": "train.json"}, "output"),
        ({"records": [CHAT], "output": "train.jsonl.txt"}, "output"),
        ({"records": [CHAT]}, "output"),
        ({"records": [], "output": "t.jsonl"}, "records"),
        ({"output": "t.jsonl"}, "records"),
        ({"records": "[not json", "output": "t.jsonl"}, "records"),
        ({"records": [CHAT], "output": "t.jsonl", "format": "dpo"}, "format"),
        ({"records": [CHAT], "output": "t.jsonl", "endpoint": "/v1/audio/speech"}, "endpoint"),
        ({"records": [CHAT], "output": "t.jsonl", "model": ""}, "model"),
        ({"records": [CHAT], "output": "t.jsonl", "purpose": "fine-tune"}, "purpose"),
    ],
)
def test_bad_input_names_the_field(params: dict[str, Any], field: str) -> None:
    assert refused(params).field == field


def test_output_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data.jsonl"
    folder.mkdir()
    assert refused({"records": [CHAT], "output": str(folder)}).field == "output"


# ------------------------------------------------------ no credentials, no I/O


def test_works_without_credentials_and_sends_nothing(
    tmp_path: Path, server: ScriptedServer
) -> None:
    openai_without_key = build(
        {"records": [CHAT], "output": str(tmp_path / "a.jsonl")}, provider="openai"
    )
    compatible = build(
        {"records": [CHAT], "output": str(tmp_path / "b.jsonl")},
        provider="compatible",
        base_url=server.url + "/v1",
    )
    azure_without_key = build(
        {"records": [CHAT], "output": str(tmp_path / "c.jsonl")},
        provider="azure",
        endpoint=server.url,
    )
    assert openai_without_key.body["lines"] == compatible.body["lines"] == 1
    assert azure_without_key.status == 200
    assert server.requests == []


def test_async_connector_builds_too(tmp_path: Path) -> None:
    async def go() -> Any:
        async with AsyncConnector(provider="openai") as connector:
            return await connector.run(
                "jsonl.build", {"records": [CHAT], "output": str(tmp_path / "t.jsonl")}
            )

    assert asyncio.run(go()).body["lines"] == 1
