"""chat.create_many and chat.summarize: every chat request they send, validated by Prism.

Both are made of chat.create calls, so each request they send must be one the spec accepts:
each item's envelope is checked for Prism's violations (a 422 comes back as that item's
error, so it is checked too).
"""

from __future__ import annotations

from typing import Any

import pytest
from prism_mock import PrismServer
from spec_checks import NO_RETRY, run_valid, violations

from openai_connector import Connector, InvalidInput

ITEMS: list[Any] = [
    "What is the capital of France?",
    [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
    ],
    {"prompt": "Be creative.", "temperature": 1.2, "top_p": 0.9, "n": 2},
    {
        "prompt": "Answer in JSON.",
        "response_format": {"type": "json_object"},
        "max_tokens": 50,
        "stop": ["END"],
        "seed": 7,
        "user": "user-1",
    },
    {"messages": [{"role": "user", "content": "Alias for the history."}], "presence_penalty": 1},
]


def check_items(result_body: dict[str, Any]) -> None:
    problems = []
    for record in result_body["results"]:
        if "error" in record:
            response = record["error"].get("response") or {}
            lines = violations(
                response.get("status", 0), response.get("headers", {}), response.get("body")
            )
            problems.append(f"item {record['index']}: {record['error']['message']} {lines}")
        elif violations(record["status"], record["headers"], record["body"]):
            problems.append(f"item {record['index']}: HTTP {record['status']}")
    assert not problems, "\n".join(problems)


def test_create_many_items_are_valid_openai_requests(openai_prism: dict[str, Any]) -> None:
    result = run_valid(
        openai_prism,
        "chat.create_many",
        {"model": "gpt-4o-mini", "system": "You are terse.", "prompts": ITEMS, "concurrency": 3},
    )
    check_items(result.body)
    assert result.body["total"] == len(ITEMS) and result.body["failed"] == 0
    assert [r["index"] for r in result.body["results"]] == list(range(len(ITEMS)))


def test_create_many_items_are_valid_azure_requests(azure_prism: dict[str, Any]) -> None:
    result = run_valid(
        azure_prism,
        "chat.create_many",
        {"deployment": "my-gpt-4o", "temperature": 0.2, "prompts": ITEMS, "concurrency": 2},
    )
    check_items(result.body)
    assert result.body["failed"] == 0


def test_create_many_output_file(openai_prism: dict[str, Any], tmp_path: Any) -> None:
    target = tmp_path / "answers.jsonl"
    result = run_valid(
        openai_prism,
        "chat.create_many",
        {
            "model": "gpt-4o-mini",
            "prompts": [f"Question {i}" for i in range(20)],
            "output": str(target),
        },
    )
    assert result.body["failed"] == 0 and result.body["output"] == str(target)
    assert len(target.read_text().splitlines()) == 20


def test_a_bad_item_never_reaches_prism(
    openai_prism: dict[str, Any], openai_prism_server: PrismServer
) -> None:
    before = openai_prism_server.requests_received()
    with Connector(**{"retry": NO_RETRY, **openai_prism}) as connector, pytest.raises(InvalidInput):
        connector.run(
            "chat.create_many",
            {"model": "gpt-4o", "prompts": ["fine", {"prompt": "bad", "temperature": 9}]},
        )
    assert openai_prism_server.requests_received() == before


@pytest.mark.parametrize("server", ["openai", "azure"])
def test_summarize_requests_are_valid(
    server: str, openai_prism: dict[str, Any], azure_prism: dict[str, Any]
) -> None:
    connection = openai_prism if server == "openai" else azure_prism
    paragraph = ("The committee met on Tuesday and agreed the budget. " * 62)[:3200]
    result = run_valid(
        connection,
        "chat.summarize",
        {
            "model": "gpt-4o-mini",
            "text": "\n\n".join([paragraph] * 3),
            "max_chunk_tokens": 1000,
            "tokenizer": "estimate",
            "style": "bullets",
            "language": "German",
        },
    )
    assert (result.body["chunks"], result.body["calls"]) == (3, 4)
