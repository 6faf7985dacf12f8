"""The console's run parts against a stand-in of the run API in the documented shapes
(``{status, headers, body, meta}``; a stream of deltas ending with the final result; test
steps), so the browser side is checked before the real run API is there."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from console_page import Console, open_console
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from live_service import LiveService, call, start_service
from playwright.sync_api import expect

from scripted_server import chat_body, chat_chunks

stand_in = APIRouter()
FINAL = {
    "status": 200,
    "headers": {"x-request-id": "req-stand-in-7"},
    "body": chat_body("Hello from the stand-in"),
    "meta": {
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        "attempts": 2,
        "elapsed_ms": 12.5,
        "request_id": "req-stand-in-7",
    },
}


@stand_in.post("/api/connectors/{ref}/execute", response_model=None)
async def execute(ref: str, request: Request) -> Any:
    body = await request.json()
    if not body.get("stream"):
        return {**FINAL, "echo": body}

    async def events() -> AsyncIterator[bytes]:
        for chunk in chat_chunks(["The ", "answer ", "is ", "42."]):
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield f"data: {json.dumps(FINAL)}\n\n".encode()

    return StreamingResponse(events(), media_type="text/event-stream")


@stand_in.post("/api/connectors/{ref}/test")
def connection_steps(ref: str) -> dict[str, Any]:
    steps = [
        {"step": "models.list", "ok": True, "status": 200, "elapsed_ms": 3.2},
        {
            "step": "chat.create",
            "ok": False,
            "status": 401,
            "elapsed_ms": 4.1,
            "error": {"code": "authentication_error", "message": "Incorrect API key provided"},
        },
    ]
    return {"status": 401, "headers": {}, "body": {"ok": False, "steps": steps}, "meta": {}}


@pytest.fixture
def stand_in_console(browser: Any, tmp_path: Path) -> Iterator[Console]:
    service: LiveService = start_service(tmp_path / "data", stand_in)
    status, _ = call(
        service,
        "POST",
        "/api/connectors",
        body={
            "name": "scripted",
            "provider": "compatible",
            "config": {"base_url": "http://127.0.0.1:9/v1", "default_model": "gpt-4o-mini"},
            "secrets": {"api_key": "sk-x-0001"},
        },
    )
    assert status == 201
    console, context = open_console(browser, service)
    yield console
    context.close()
    service.stop()
    assert console.foreign == [] and console.unexpected_errors() == []


def _chat(console: Console) -> None:
    page = console.page
    console.sign_in()
    console.go("Playground")
    page.get_by_label("Search operations").fill("chat")
    page.get_by_label("Operation", exact=True).select_option("chat.create")
    expect(page.get_by_role("heading", name="chat.create", level=2)).to_be_visible()
    page.get_by_role("button", name="Example").click()


def test_playground_shows_envelope_timing_attempts_request_id_and_usage(
    stand_in_console: Console,
) -> None:
    page = stand_in_console.page
    _chat(stand_in_console)
    page.get_by_label("Stream the answer").uncheck()
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_label("Envelope")).to_contain_text("Hello from the stand-in")
    facts = page.locator("dl.facts")
    for text in ("200", "13 ms", "2", "req-stand-in-7", "5 in · 2 out"):
        expect(facts).to_contain_text(text)
    sent = json.loads(page.get_by_label("Envelope").text_content() or "{}")["echo"]
    assert sent["operation"] == "chat.create" and sent["params"]["model"], sent
    expect(page.locator("pre.code-curl")).to_contain_text("/execute")


def test_playground_streams_deltas_into_a_fixed_box(stand_in_console: Console) -> None:
    page = stand_in_console.page
    _chat(stand_in_console)
    page.get_by_label("Stream the answer").check()
    page.get_by_role("button", name="Run").click()
    streamed = page.get_by_label("Streamed answer")
    expect(streamed).to_have_text("The answer is 42.")
    expect(page.locator("dl.facts")).to_contain_text("req-stand-in-7")
    box = streamed.bounding_box()
    assert box is not None and round(box["height"]) == 160


def test_test_connection_shows_steps_timings_and_the_providers_error(
    stand_in_console: Console,
) -> None:
    page = stand_in_console.page
    stand_in_console.sign_in()
    page.get_by_role("link", name="scripted").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Connection test failed.")).to_be_visible()
    steps = page.get_by_role("table", name="Steps")
    expect(steps.get_by_role("row").filter(has_text="models.list")).to_contain_text("3.2")
    expect(steps.get_by_role("row").filter(has_text="chat.create")).to_contain_text(
        "Incorrect API key provided"
    )
    stand_in_console.go("Connectors")
    expect(page.get_by_role("row").filter(has_text="scripted")).to_contain_text("failed")
