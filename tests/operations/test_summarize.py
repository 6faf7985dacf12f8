"""chat.summarize: one call for a short text; split, summarised in parts and combined for a
long one; the input it refuses."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from openai_connector import Connector, InvalidInput
from openai_connector.errors import InvalidResponse, ServerError
from openai_connector.operations.summarize import estimate_tokens, split_text
from scripted_server import Recorded, Reply, ScriptedServer, chat_body

# 3,200 ASCII characters: 800 estimated tokens, so two never share a 1,000-token chunk.
PARAGRAPH = ("The committee met on Tuesday and agreed the budget. " * 62)[:3200]


def connector(server: ScriptedServer, **fields: Any) -> Connector:
    settings = {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
    settings.update(fields)
    return Connector(**settings)


def prompt_of(request: Recorded) -> str:
    content: str = request.json["messages"][-1]["content"]
    return content


def labelled(request: Recorded) -> Reply:
    """Answers 'summary of part N' for a part, 'final summary' for the combining call."""
    prompt = prompt_of(request)
    if prompt.startswith("This is part"):
        number = prompt.split()[3]
        return Reply(json=chat_body(f"summary of part {number}"))
    return Reply(json=chat_body("final summary"))


def test_short_text_is_one_call(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body("A short summary.")))
    result = connector(server).run(
        "chat.summarize", {"model": "gpt-4o-mini", "text": "The cat sat on the mat. It slept."}
    )
    assert len(server.requests) == 1
    sent = server.requests[0].json
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][0]["role"] == "system"
    assert "about 150 words" in sent["messages"][1]["content"]
    assert sent["messages"][1]["content"].endswith("The cat sat on the mat. It slept.")
    assert result.body["summary"] == "A short summary."
    assert (result.body["chunks"], result.body["calls"]) == (1, 1)
    assert result.text == "A short summary."
    assert result.usage is not None and result.usage.total_tokens == 7
    assert result.body["usage"]["total_tokens"] == 7


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"length": "short"}, "about 60 words"),
        ({"length": "long"}, "about 400 words"),
        ({"length": 75}, "about 75 words"),
        ({"style": "bullets"}, "bulleted list"),
        ({"language": "French"}, "written in French"),
    ],
)
def test_length_style_and_language_reach_the_prompt(
    server: ScriptedServer, options: dict[str, Any], expected: str
) -> None:
    server.script(Reply(json=chat_body("ok")))
    connector(server).run("chat.summarize", {"model": "m", "text": "Some text.", **options})
    assert expected in prompt_of(server.requests[0])


def test_default_model_of_the_connection(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body("ok")))
    connector(server, default_model="gpt-4.1-mini").run("chat.summarize", {"text": "Text."})
    assert server.requests[0].json["model"] == "gpt-4.1-mini"


def test_long_text_is_split_summarised_in_parts_and_combined(server: ScriptedServer) -> None:
    server.default = labelled
    text = "\n\n".join([PARAGRAPH] * 5)
    events: list[dict[str, Any]] = []
    result = connector(server).run(
        "chat.summarize",
        {"model": "m", "text": text, "max_chunk_tokens": 1000, "tokenizer": "estimate"},
        progress=events.append,
    )
    assert (result.body["chunks"], result.body["calls"]) == (5, 6)
    assert len(server.requests) == 6
    parts = sorted(prompt_of(r) for r in server.requests[:5])
    assert [p.split()[3] for p in parts] == ["1", "2", "3", "4", "5"]
    assert all(p.endswith(PARAGRAPH) for p in parts)
    combine = prompt_of(server.requests[5])
    assert combine.startswith("Below are summaries of consecutive parts")
    positions = [combine.index(f"summary of part {n}") for n in range(1, 6)]
    assert positions == sorted(positions)  # combined in the text's order
    assert result.text == "final summary"
    assert result.usage is not None and result.usage.total_tokens == 6 * 7
    assert events[-1] == {"step": "parts", "done": 5, "total": 5}


def test_parts_are_summarised_concurrently_within_the_bound(server: ScriptedServer) -> None:
    in_flight = most = 0
    lock = threading.Lock()

    def done() -> None:
        nonlocal in_flight
        with lock:
            in_flight -= 1

    def tracked(request: Recorded) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        asyncio.get_running_loop().call_later(0.01, done)
        reply = labelled(request)
        reply.delay = 0.01
        return reply

    server.default = tracked
    text = "\n\n".join([PARAGRAPH] * 12)
    result = connector(server).run(
        "chat.summarize",
        {
            "model": "m",
            "text": text,
            "max_chunk_tokens": 1000,
            "tokenizer": "estimate",
            "concurrency": 3,
        },
    )
    assert (result.body["chunks"], result.body["calls"]) == (12, 13)
    assert 1 < most <= 3


def test_summaries_too_long_together_are_combined_in_rounds(server: ScriptedServer) -> None:
    # every part summary is ~300 estimated tokens: 8 of them do not fit in 1,000
    def verbose(request: Recorded) -> Reply:
        prompt = prompt_of(request)
        if "Combine them into one summary of the whole text in about 150" in prompt:
            return Reply(json=chat_body("final summary"))
        return Reply(json=chat_body("x" * 1200))

    server.default = verbose
    text = "\n\n".join([PARAGRAPH] * 8)
    result = connector(server).run(
        "chat.summarize",
        {"model": "m", "text": text, "max_chunk_tokens": 1000, "tokenizer": "estimate"},
    )
    # 8 parts; their summaries (2,400 tokens) are combined in groups of 3 + 3 + 2 (each
    # fits 1,000 tokens); the 3 results (900 tokens) fit, so one final call.
    assert result.body["chunks"] == 8
    assert result.body["calls"] == 8 + 3 + 1
    assert result.text == "final summary"


def test_a_failing_part_fails_the_summary(server: ScriptedServer) -> None:
    server.default = Reply(status=500, json={"error": {"message": "down"}})
    with pytest.raises(ServerError):
        connector(server, retry={"max_retries": 0}).run(
            "chat.summarize",
            {
                "model": "m",
                "text": "\n\n".join([PARAGRAPH] * 3),
                "max_chunk_tokens": 1000,
                "tokenizer": "estimate",
            },
        )


def test_an_empty_answer_is_an_invalid_response(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body("")))
    with pytest.raises(InvalidResponse, match="without text"):
        connector(server).run("chat.summarize", {"model": "m", "text": "Text."})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({}, "text"),
        ({"text": "x", "length": "tiny"}, "length"),
        ({"text": "x", "length": 5}, "length"),
        ({"text": "x", "style": "poem"}, "style"),
        ({"text": "x", "max_chunk_tokens": 10}, "max_chunk_tokens"),
        ({"text": "x", "concurrency": 0}, "concurrency"),
        ({"text": "x", "tokenizer": "words"}, "tokenizer"),
        ({"text": "x", "temperature": 0.2}, "temperature"),
    ],
)
def test_bad_input_is_refused_before_sending(
    server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        connector(server).run("chat.summarize", {"model": "m", **params})
    assert caught.value.field is not None
    assert caught.value.field.split(".")[0] == field, caught.value.errors
    assert server.requests == []


def test_no_model_is_refused_before_sending(server: ScriptedServer) -> None:
    # the compatible server lists two models: none is chosen, and no chat is sent
    server.script(Reply(json={"data": [{"id": "a"}, {"id": "b"}]}))
    with pytest.raises(InvalidInput, match="offers 2 models: a, b") as caught:
        connector(server).run("chat.summarize", {"text": "Text."})
    assert caught.value.field == "model"
    assert [r.path for r in server.requests] == ["/v1/models"]


def test_the_one_model_a_server_serves_is_used(server: ScriptedServer) -> None:
    server.script(Reply(json={"data": [{"id": "only"}]}), Reply(json=chat_body("Short.")))
    result = connector(server).run("chat.summarize", {"text": "Text."})
    assert result.text == "Short."
    assert server.requests[1].json["model"] == "only"


# ------------------------------------------------------------------- splitting


def test_split_keeps_every_word_in_order() -> None:
    text = "\n\n".join(f"Paragraph {i}. " + "word " * (i * 40) for i in range(30))
    chunks = split_text(text, 300, estimate_tokens)
    assert all(estimate_tokens(chunk) <= 300 for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_split_cuts_a_sentence_without_breaks_and_a_blob() -> None:
    blob = "x" * 10_000
    chunks = split_text(f"{'word ' * 2000}\n\n{blob}", 500, estimate_tokens)
    assert all(estimate_tokens(chunk) <= 500 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == ("word" * 2000) + blob


def test_estimate_counts_other_scripts_one_token_per_character() -> None:
    assert estimate_tokens("abcdefgh") == 2
    assert estimate_tokens("日本語のテキスト") == 8
