"""The processes in examples/, each run against local fakes of the OpenAI API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("SpiffWorkflow")

from engine_helpers import EXAMPLES, KEY, FakeClock, engine, run

from fake_files_api import FakeFilesApi
from scripted_server import Recorded, Reply, chat_body


def test_translator_bot_sends_system_message_and_few_shot_history(server: Any) -> None:
    server.script(Reply(json=chat_body("Où est la gare ?")))
    outcome = run(
        engine(FakeClock(), server),
        EXAMPLES / "translator_bot.bpmn",
        {"text": "Where is the station?", "language": "French", "maxTokens": "50"},
    )
    assert outcome["state"] == "completed"
    assert outcome["variables"]["translation"] == "Où est la gare ?"
    assert outcome["variables"]["openAiResponse"]["model"] == "gpt-4o-mini"
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.json
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert "into French" in body["messages"][0]["content"]
    assert body["messages"][2]["content"] == "Bonjour"
    assert body["messages"][3]["content"] == "Where is the station?"
    assert body["max_tokens"] == 50
    assert "temperature" not in body  # null entries are dropped, as the template does


def test_translator_bot_turns_a_401_into_its_apology_path(server: Any) -> None:
    server.script(
        Reply(
            status=401,
            json={"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}},
        )
    )
    outcome = run(
        engine(FakeClock(), server),
        EXAMPLES / "translator_bot.bpmn",
        {"text": "x", "language": "German"},
    )
    assert outcome["state"] == "completed"
    assert outcome["variables"]["translation"] == "Sorry, the translation is not available."


def _moderation(flagged: bool) -> dict[str, Any]:
    categories = {"harassment": flagged, "violence": flagged, "self-harm": False}
    return {
        "id": "modr-1",
        "model": "omni-moderation-latest",
        "results": [
            {
                "flagged": flagged,
                "categories": categories,
                "category_scores": {k: 0.9 if v else 0.01 for k, v in categories.items()},
            }
        ],
    }


@pytest.mark.parametrize(
    ("flagged", "reply", "calls"),
    [(True, "Refused: harassment, violence", 1), (False, "Happy to help.", 2)],
)
def test_moderation_gate(server: Any, flagged: bool, reply: str, calls: int) -> None:
    server.script(Reply(json=_moderation(flagged)), Reply(json=chat_body("Happy to help.")))
    outcome = run(
        engine(FakeClock(), server), EXAMPLES / "moderation_gate.bpmn", {"text": "some user text"}
    )
    assert outcome["state"] == "completed"
    assert outcome["variables"]["reply"] == reply
    assert [r.path for r in server.requests][:calls] == ["/v1/moderations", "/v1/chat/completions"][
        :calls
    ]
    assert len(server.requests) == calls
    assert server.requests[0].json == {"input": "some user text", "model": "omni-moderation-latest"}


def test_summarize_document_uses_our_own_task_type(server: Any) -> None:
    server.script(Reply(json=chat_body("- short summary")))
    outcome = run(
        engine(FakeClock(), server),
        EXAMPLES / "summarize_document.bpmn",
        {"document": "A long report about pirates. " * 20},
    )
    assert outcome["state"] == "completed", outcome
    assert outcome["variables"]["summary"] == "- short summary"
    [request] = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert "pirates" in json.dumps(request.json)


def test_a_429_becomes_a_bpmn_error_caught_by_a_boundary_event_that_waits(server: Any) -> None:
    too_many = Reply(
        status=429, json={"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
    )
    # the connector retries twice by itself; the third 429 fails the job
    server.script(too_many, too_many, too_many, Reply(json=chat_body("finally")))
    clock = FakeClock()
    outcome = run(
        engine(clock, server),
        EXAMPLES / "rate_limit_retry.bpmn",
        {"prompt": "hi", "retryAfter": "PT45S"},
    )
    assert outcome["state"] == "completed"
    assert outcome["variables"]["answer"] == "finally"
    assert outcome["variables"]["attempts"] == 1
    assert 45.0 in clock.slept  # the timer after the boundary event, on the injected clock
    assert len(server.requests) == 4


def test_the_429_loop_gives_up_after_five_attempts(server: Any) -> None:
    server.default = Reply(
        status=429, json={"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
    )
    clock = FakeClock()
    outcome = run(engine(clock, server), EXAMPLES / "rate_limit_retry.bpmn", {"prompt": "hi"})
    assert outcome["state"] == "completed"
    assert outcome["variables"]["attempts"] == 5
    assert "answer" not in outcome["variables"]
    assert clock.slept.count(60.0) == 4  # PT1M between the five attempts


class FakeFineTuning:
    """Files (FakeFilesApi), fine-tuning jobs that succeed on the third look, and chat."""

    def __init__(self) -> None:
        self.files = FakeFilesApi(api_key=KEY)
        self.looks = 0
        self.job: dict[str, Any] = {}

    def __call__(self, recorded: Recorded) -> Reply:
        if recorded.path.startswith("/v1/files"):
            return self.files(recorded)
        if recorded.path == "/v1/fine_tuning/jobs" and recorded.method == "POST":
            self.job = {
                "id": "ftjob-1",
                "object": "fine_tuning.job",
                "status": "queued",
                "model": recorded.json["model"],
                "fine_tuned_model": None,
                "training_file": recorded.json["training_file"],
            }
            return Reply(json=self.job)
        if recorded.path == "/v1/fine_tuning/jobs/ftjob-1":
            self.looks += 1
            if self.looks >= 2:
                self.job = {
                    **self.job,
                    "status": "succeeded",
                    "fine_tuned_model": "ft:gpt-4o-mini:acme:pirate:1",
                }
            else:
                self.job = {**self.job, "status": "running"}
            return Reply(json=self.job)
        if recorded.path == "/v1/chat/completions":
            return Reply(json=chat_body("Arr, matey!", model=recorded.json["model"]))
        return Reply(status=404, json={"error": {"message": recorded.path}})


def test_fine_tuning_builds_uploads_polls_and_asks_the_tuned_model(server: Any) -> None:
    fake = FakeFineTuning()
    server.default = fake
    clock = FakeClock()
    examples = [
        {"question": "Hello?", "answer": "Ahoy!"},
        {"question": "Bye?", "answer": "Fair winds!"},
    ]
    outcome = run(
        engine(clock, server),
        EXAMPLES / "fine_tuning.bpmn",
        {"examples": examples, "question": "How are you?", "pollEvery": "PT5M"},
    )
    assert outcome["state"] == "completed", outcome
    assert outcome["variables"]["answer"] == "Arr, matey!"
    [stored] = fake.files.files.values()
    assert stored.filename == "pirate.jsonl"
    lines = [json.loads(line) for line in stored.content.decode().splitlines()]
    assert lines[0]["messages"][1:] == [
        {"role": "user", "content": "Hello?"},
        {"role": "assistant", "content": "Ahoy!"},
    ]
    assert len(lines) == 2
    assert fake.job["training_file"] == stored.id
    assert clock.slept == [300.0, 300.0]  # two timer waits: running, then succeeded
    chat = [r for r in server.requests if r.path == "/v1/chat/completions"]
    assert chat[0].json["model"] == "ft:gpt-4o-mini:acme:pirate:1"


def test_every_example_is_run_here() -> None:
    # a process added to examples/ without a test that runs it fails here
    source = Path(__file__).read_text(encoding="utf-8")
    examples = sorted(path.name for path in EXAMPLES.glob("*.bpmn"))
    assert len(examples) >= 5
    assert [name for name in examples if f'EXAMPLES / "{name}"' not in source] == []
