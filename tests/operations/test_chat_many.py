"""chat.create_many: many chats, bounded concurrency, results in input order, per-item errors."""

from __future__ import annotations

import asyncio
import json
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from openai_connector import AsyncConnector, Connector, InvalidInput, UnsupportedOperation
from openai_connector.operations.registry import get
from scripted_server import Recorded, Reply, ScriptedServer, chat_body

FAILING = 20
"""One prompt in this many is answered 500 (chosen by a hash of the prompt: 5%)."""


def fails(prompt: str) -> bool:
    return zlib.crc32(prompt.encode()) % FAILING == 0


class FlakyModel:
    """Answers each chat with its prompt reversed; 5% of prompts get a 500.

    Counts the requests in flight: +1 when one arrives, -1 when its (delayed) answer
    leaves, on the server's own loop.
    """

    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def __call__(self, request: Recorded) -> Reply:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        asyncio.get_running_loop().call_later(self.delay, self._done)
        prompt = request.json["messages"][-1]["content"]
        if fails(prompt):
            return Reply(
                status=500,
                json={"error": {"message": "boom", "type": "server_error"}},
                delay=self.delay,
            )
        return Reply(json=chat_body(prompt[::-1]), delay=self.delay)


def connector(server: ScriptedServer, **fields: Any) -> Connector:
    settings: dict[str, Any] = {
        "provider": "compatible",
        "base_url": server.url + "/v1",
        "api_key": "sk-test1234",
        "retry": {"max_retries": 0},
    }
    settings.update(fields)
    return Connector(**settings)


PROMPTS = [f"prompt number {i}" for i in range(1000)]
EXPECTED_FAILURES = {i for i, p in enumerate(PROMPTS) if fails(p)}


def test_the_hash_fails_about_five_percent() -> None:
    assert 30 <= len(EXPECTED_FAILURES) <= 70


def test_thousand_prompts_one_result_each_in_order(server: ScriptedServer) -> None:
    model = FlakyModel()
    server.default = model
    events: list[dict[str, Any]] = []
    result = connector(server).run(
        "chat.create_many",
        {"model": "gpt-4o-mini", "prompts": PROMPTS, "concurrency": 8},
        progress=events.append,
    )
    body = result.body
    assert result.status == 200
    assert len(server.requests) == 1000  # no retries, nothing sent twice
    assert [r["index"] for r in body["results"]] == list(range(1000))
    failed = {r["index"] for r in body["results"] if "error" in r}
    assert failed == EXPECTED_FAILURES
    for index, record in enumerate(body["results"]):
        if index in EXPECTED_FAILURES:
            assert record["error"]["code"] == "server_error"
            assert record["error"]["status"] == 500
        else:
            assert record["status"] == 200
            assert record["body"]["choices"][0]["message"]["content"] == PROMPTS[index][::-1]
            assert set(record) == {"index", "status", "headers", "body"}
    assert (body["total"], body["failed"]) == (1000, len(EXPECTED_FAILURES))
    assert body["succeeded"] == 1000 - len(EXPECTED_FAILURES)
    # usage: 7 tokens per answered chat, summed
    assert result.usage is not None
    assert result.usage.total_tokens == 7 * body["succeeded"]
    assert body["usage"]["total_tokens"] == 7 * body["succeeded"]
    # the bound held, and was used
    assert 1 < model.most_in_flight <= 8
    # progress: one event per prompt, ending with the totals
    assert len(events) == 1000
    assert events[-1] == {"done": 1000, "total": 1000, "failed": len(EXPECTED_FAILURES)}


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_bound_is_respected(server: ScriptedServer, concurrency: int) -> None:
    model = FlakyModel()
    server.default = model
    connector(server).run(
        "chat.create_many",
        {"model": "m", "prompts": PROMPTS[:60], "concurrency": concurrency},
    )
    assert len(server.requests) == 60
    assert model.most_in_flight <= concurrency


def test_output_file_streams_results_in_order(server: ScriptedServer, tmp_path: Path) -> None:
    server.default = FlakyModel(delay=0)
    target = tmp_path / "out" / "answers.jsonl"
    result = connector(server).run(
        "chat.create_many",
        {"model": "m", "prompts": PROMPTS, "concurrency": 16, "output": str(target)},
    )
    assert result.body == {
        "total": 1000,
        "succeeded": 1000 - len(EXPECTED_FAILURES),
        "failed": len(EXPECTED_FAILURES),
        "usage": {
            "prompt_tokens": 5 * (1000 - len(EXPECTED_FAILURES)),
            "completion_tokens": 2 * (1000 - len(EXPECTED_FAILURES)),
            "total_tokens": 7 * (1000 - len(EXPECTED_FAILURES)),
        },
        "output": str(target),
    }
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["index"] for line in lines] == list(range(1000))
    assert {line["index"] for line in lines if "error" in line} == EXPECTED_FAILURES
    assert lines[1]["body"]["choices"][0]["message"]["content"] == PROMPTS[1][::-1]


def test_an_output_file_that_cannot_be_written_is_refused_before_sending(
    server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "taken.jsonl"
    folder.mkdir()
    with pytest.raises(InvalidInput) as caught:
        connector(server).run(
            "chat.create_many", {"model": "m", "prompts": ["a"], "output": str(folder)}
        )
    assert caught.value.field == "output"
    assert server.requests == []


def test_slow_first_item_still_written_first(server: ScriptedServer, tmp_path: Path) -> None:
    def reply(request: Recorded) -> Reply:
        prompt = request.json["messages"][-1]["content"]
        return Reply(json=chat_body(prompt), delay=0.2 if prompt == "p0" else 0)

    server.default = reply
    target = tmp_path / "slow.jsonl"
    prompts = [f"p{i}" for i in range(200)]
    connector(server).run(
        "chat.create_many",
        {"model": "m", "prompts": prompts, "concurrency": 2, "output": str(target)},
    )
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["body"]["choices"][0]["message"]["content"] for line in lines] == prompts


def test_item_forms_and_shared_fields(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    result = connector(server).run(
        "chat.create_many",
        {
            "model": "gpt-4o-mini",
            "system": "Be brief.",
            "temperature": 0.5,
            "prompts": [
                "plain prompt",
                [*history, {"role": "user", "content": "message list"}],
                {"prompt": "own settings", "temperature": 1, "model": "gpt-4o", "n": 2},
                {"messages": history, "prompt": "alias for history"},
            ],
        },
    )
    assert result.body["failed"] == 0
    sent = [r.json for r in server.requests]
    by_prompt = {s["messages"][-1]["content"]: s for s in sent}
    assert by_prompt["plain prompt"] == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "plain prompt"},
        ],
        "temperature": 0.5,
    }
    assert by_prompt["message list"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        *history,
        {"role": "user", "content": "message list"},
    ]
    own = by_prompt["own settings"]
    assert (own["model"], own["temperature"], own["n"]) == ("gpt-4o", 1, 2)
    assert by_prompt["alias for history"]["messages"][1:3] == history


def test_shared_history_is_a_prefix_unless_the_item_has_its_own(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    few_shot = json.dumps(
        [{"role": "user", "content": "2+2"}, {"role": "assistant", "content": "4"}]
    )
    connector(server).run(
        "chat.create_many",
        {"model": "m", "history": few_shot, "prompts": ["3+3", "5+5"]},
    )
    for request in server.requests:
        messages = request.json["messages"]
        assert [m["content"] for m in messages[:2]] == ["2+2", "4"]
        assert messages[2]["content"] in ("3+3", "5+5")


@pytest.mark.parametrize(
    ("prompts", "field"),
    [
        (["ok"] * 3 + [{"prompt": "x", "temperature": 3}], "prompts[3].temperature"),
        (["ok"] * 999 + [{"prompt": "x", "top_p": 2}], "prompts[999].top_p"),
        (["ok", [{"role": "robot", "content": "x"}]], "prompts[1][0].role"),
        (["ok", ""], "prompts[1]"),
        (["ok", {"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}], "prompts[1].stop"),
        (["ok", {"prompt": "x", "colour": "blue"}], "prompts[1].colour"),
        (["ok", 42], "prompts.1"),
    ],
)
def test_a_bad_item_is_named_and_nothing_is_sent(
    server: ScriptedServer, prompts: list[Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        connector(server).run("chat.create_many", {"model": "m", "prompts": prompts})
    assert caught.value.field == field, caught.value.errors
    assert field in str(caught.value)
    assert server.requests == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"temperature": 0.333}, "temperature"),
        ({"temperature": 5}, "temperature"),
        ({"history": "[not json"}, "history"),
        ({"prompt": "shared?"}, "prompt"),
        ({"temprature": 1}, "temprature"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 257}, "concurrency"),
        ({"output": "answers.json"}, "output"),
        ({"prompts": []}, "prompts"),
    ],
)
def test_bad_shared_fields_are_named(
    server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        connector(server).run("chat.create_many", {"model": "m", "prompts": ["a"], **params})
    assert caught.value.field == field, caught.value.errors
    assert server.requests == []


def test_no_model_anywhere_is_refused_before_sending(server: ScriptedServer) -> None:
    with pytest.raises(InvalidInput) as caught:
        connector(server).run("chat.create_many", {"prompts": ["a", "b"]})
    assert caught.value.field == "prompts[0].model"
    assert "default_model" in str(caught.value)
    # the compatible server was asked for its models (it lists none), and nothing was sent
    assert [r.path for r in server.requests] == ["/v1/models"]


def test_provider_rules_apply_per_item_before_sending(server: ScriptedServer) -> None:
    source = {
        "type": "azure_search",
        "parameters": {
            "endpoint": "https://s.search.windows.net",
            "index_name": "docs",
            "authentication": {"type": "system_assigned_managed_identity"},
        },
    }
    with pytest.raises(UnsupportedOperation, match=r"prompts\[1\]: data_sources"):
        connector(server).run(
            "chat.create_many",
            {"model": "m", "prompts": ["a", {"prompt": "b", "data_sources": [source]}]},
        )
    assert server.requests == []


def test_async_connector_runs_it_too(server: ScriptedServer) -> None:
    model = FlakyModel(delay=0)
    server.default = model

    async def main() -> Any:
        async with AsyncConnector(
            provider="compatible",
            base_url=server.url + "/v1",
            api_key="sk-test1234",
            retry={"max_retries": 0},
        ) as face:
            return await face.run(
                "chat.create_many", {"model": "m", "prompts": PROMPTS[:100], "concurrency": 4}
            )

    result = asyncio.run(main())
    assert [r["index"] for r in result.body["results"]] == list(range(100))
    assert {r["index"] for r in result.body["results"] if "error" in r} == {
        i for i in EXPECTED_FAILURES if i < 100
    }


def test_every_item_may_fail_without_failing_the_call(server: ScriptedServer) -> None:
    server.default = Reply(status=401, json={"error": {"message": "bad key", "code": None}})
    result = connector(server).run("chat.create_many", {"model": "m", "prompts": ["a", "b"]})
    assert result.status == 200
    assert result.body["failed"] == 2
    assert result.usage is None and result.body["usage"] is None
    assert [r["error"]["code"] for r in result.body["results"]] == ["auth_failed"] * 2


def test_secrets_in_items_are_resolved_and_redacted(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOMER_NAME", "Zebulon Quux")
    server.default = lambda r: Reply(json=chat_body(r.json["messages"][-1]["content"]))
    result = connector(server).run(
        "chat.create_many", {"model": "m", "prompts": ["Hello {{secrets.CUSTOMER_NAME}}"]}
    )
    assert server.requests[0].json["messages"][0]["content"] == "Hello Zebulon Quux"
    assert result.body["results"][0]["body"]["choices"][0]["message"]["content"] == "Hello ***"


def test_catalogue_entry_reuses_chat_fields() -> None:
    operation = get("chat.create_many")
    schema = operation.input.model_json_schema()
    chat_fields = set(get("chat.create").input.model_fields) - {"prompt", "stream"}
    assert chat_fields <= set(schema["properties"])
    assert {"prompts", "concurrency", "output"} <= set(schema["properties"])
    assert '"maximum": 2' in json.dumps(schema["properties"]["temperature"])
