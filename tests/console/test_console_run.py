"""The console's parts that run a connector: "Test connection", the playground (plain and
streamed chat) and the dashboard showing that chat's tokens.

They need the run API (``POST /api/connectors/{id}/execute`` and ``/test``): each test is
skipped when the service's route table has no execute route, and runs as soon as it has one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_page import Console
from live_service import add_scripted_connector
from playwright.sync_api import expect

from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks


@pytest.fixture
def provider(console: Console, server: ScriptedServer) -> Iterator[ScriptedServer]:
    """A scripted OpenAI-compatible provider: models, chat, streamed chat."""
    if not console.service.has_run_api:
        pytest.skip("this service has no POST /api/connectors/{id}/execute route (the run API)")

    def answer(request: Recorded) -> Reply:
        if request.path.endswith("/models"):
            return Reply(
                json={"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]}
            )
        if request.path.endswith("/chat/completions"):
            if request.json.get("stream"):
                return Reply(
                    events=chat_chunks(["The ", "answer ", "is ", "42."]),
                    headers={"content-type": "text/event-stream", "x-request-id": "req-stream-1"},
                )
            return Reply(
                json=chat_body("Hello from the scripted provider"),
                headers={"x-request-id": "req-chat-1"},
            )
        return Reply(
            status=404,
            json={"error": {"message": "no such route", "type": "invalid_request_error"}},
        )

    server.default = answer
    add_scripted_connector(console.service, server.url)
    yield server


def _choose_chat(console: Console) -> None:
    page = console.page
    console.go("Playground")
    page.get_by_label("Search operations").fill("chat completion")
    page.get_by_label("Operation", exact=True).select_option("chat.create")
    expect(page.get_by_role("heading", name="chat.create", level=2)).to_be_visible()
    page.get_by_role("button", name="Example").click()  # fills every field
    expect(page.get_by_label(re.compile(r"^prompt"))).to_have_value("Write a haiku about the sea.")
    page.get_by_role("button", name="Clear").click()  # a run here needs only the prompt
    page.get_by_label(re.compile(r"^prompt")).fill("What is the answer?")


def test_test_connection_shows_each_step_with_its_timing(
    console: Console, provider: ScriptedServer
) -> None:
    store = console.service.store
    store.connectors.record_test(  # an earlier test, kept by the service
        "scripted",
        False,
        [{"step": "models.list", "ok": False, "status": 401,
          "error": {"code": "authentication_error", "message": "Incorrect API key provided"}}],
        time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )  # fmt: skip
    console.sign_in()
    page = console.page
    row = page.get_by_role("row").filter(has_text="scripted")
    earlier = row.locator("[data-last-test]")
    expect(earlier).to_have_text("failed (models.list) · 2026-01-02 03:04:05 UTC")
    expect(earlier).to_have_attribute("title", "models.list: Incorrect API key provided")
    page.get_by_role("link", name="scripted").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Connection works.")).to_be_visible()
    steps = page.get_by_role("table", name="Steps")
    for step in ("models.list", "chat.create", "chat.create (stream)"):
        expect(steps.get_by_role("row").filter(has_text=step).first).to_contain_text("ok")
    timings = steps.locator("td.num").all_text_contents()  # each step's time, in ms
    assert len(timings) == 3 and all(float(t) >= 0 for t in timings), timings
    kept = store.connectors.get("scripted").last_test
    assert (
        kept is not None
        and kept.ok
        and [s["step"] for s in kept.steps]
        == [
            "models.list",
            "chat.create",
            "chat.create (stream)",
        ]
    )
    shown = f"passed · {kept.time.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    expect(earlier).to_have_text(shown)  # the list follows at once, without a reload
    page.reload()  # and it is the service's record, not the browser's
    expect(page.get_by_role("row").filter(has_text="scripted")).to_contain_text(shown)
    assert page.evaluate("localStorage.length") == 0


def test_test_connection_shows_the_providers_error(
    console: Console, provider: ScriptedServer
) -> None:
    provider.default = Reply(
        status=401,
        json={
            "error": {
                "message": "Incorrect API key provided",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
    )
    console.allow_console_error("status of 502")  # the service answers a failed test with 502
    console.sign_in()
    page = console.page
    page.get_by_role("link", name="scripted").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Connection test failed.")).to_be_visible()
    expect(page.get_by_role("table", name="Steps")).to_contain_text("Incorrect API key provided")


def test_playground_runs_a_chat_and_shows_envelope_meta_and_the_same_call(
    console: Console, provider: ScriptedServer
) -> None:
    console.sign_in()
    page = console.page
    _choose_chat(console)
    stream = page.get_by_label("Stream the answer")
    if stream.count():
        stream.uncheck()
    page.get_by_role("button", name="Run").click()
    envelope = page.get_by_label("Envelope")
    expect(envelope).to_contain_text("Hello from the scripted provider")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("200")
    expect(facts).to_contain_text("attempts")
    expect(facts).to_contain_text("5 in · 2 out")
    expect(facts).to_contain_text("req-chat-1")  # the provider's request id
    expect(page.locator("pre.code-curl")).to_contain_text("/execute")
    expect(page.locator("pre.code-cli")).to_contain_text("openai-connector")
    expect(page.locator("pre.code-python")).to_contain_text("urllib.request")

    console.go("Usage")  # that chat's tokens in the chart and the table
    chart = page.get_by_role("group", name="Tokens per day, by model")
    expect(chart.get_by_role("img", name=re.compile(r"gpt-4o-mini: 7 tokens"))).to_be_visible()
    expect(page.get_by_role("table", name="Latest calls")).to_contain_text("scripted")


def test_playground_streams_tokens_as_they_arrive_without_moving_the_page(
    console: Console, provider: ScriptedServer
) -> None:
    console.sign_in()
    page = console.page
    _choose_chat(console)
    page.get_by_label("Stream the answer").check()
    page.get_by_role("button", name="Run").click()
    streamed = page.get_by_label("Streamed answer")
    expect(streamed).to_have_text("The answer is 42.")
    box = streamed.bounding_box()
    assert box is not None and round(box["height"]) == 160  # fixed: no layout shift
    expect(page.get_by_label("Envelope")).not_to_have_text("Running…")


def test_screenshot_of_the_playground(
    console: Console, provider: ScriptedServer, screenshots_dir: Path
) -> None:
    console.sign_in()
    _choose_chat(console)
    console.page.get_by_label("Stream the answer").check()
    console.page.get_by_role("button", name="Run").click()
    expect(console.page.get_by_label("Streamed answer")).to_have_text("The answer is 42.")
    console.page.evaluate("window.scrollTo(0, 0)")
    console.page.screenshot(path=str(screenshots_dir / "console-playground.png"))
