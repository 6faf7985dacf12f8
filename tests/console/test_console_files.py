"""Files in and out of the playground, in the browser: an upload chosen in the form, an
image preview, an audio player and downloads with the right bytes."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from console_page import Console
from live_service import add_scripted_connector
from playwright.sync_api import expect

from media_samples import png, wav
from multipart_form import FilePart, form_dict
from scripted_server import Recorded, Reply, ScriptedServer

IMAGE = png(3, 2, (0, 128, 255))
SPEECH = wav(bytes(range(0, 250, 2)) * 40)  # half a second of a ramp, 8 kHz 8-bit


@pytest.fixture
def provider(console: Console, server: ScriptedServer) -> Iterator[ScriptedServer]:
    """A scripted provider that transcribes, draws and speaks."""
    if not console.service.has_run_api:
        pytest.skip("this service has no POST /api/connectors/{id}/execute route (the run API)")

    def answer(request: Recorded) -> Reply:
        if request.path.endswith("/audio/transcriptions"):
            return Reply(json={"text": "heard the uploaded file"})
        if request.path.endswith("/images/generations"):
            b64 = base64.b64encode(IMAGE).decode()
            return Reply(json={"created": 1, "data": [{"b64_json": b64}]})
        if request.path.endswith("/audio/speech"):
            return Reply(body=SPEECH, headers={"content-type": "audio/wav"})
        return Reply(status=404, json={"error": {"message": "no such route"}})

    server.default = answer
    add_scripted_connector(console.service, server.url, "media")
    yield server


def _choose(console: Console, operation: str) -> None:
    page = console.page
    console.go("Playground")
    page.get_by_label("Search operations").fill(operation)
    page.get_by_label("Operation", exact=True).select_option(operation)
    expect(page.get_by_role("heading", name=operation, level=2)).to_be_visible()


def test_a_file_chosen_in_the_form_is_uploaded_to_the_provider(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    recording = tmp_path / "meeting.wav"
    recording.write_bytes(SPEECH)
    console.sign_in()
    page = console.page
    _choose(console, "audio.transcribe")
    page.get_by_label("file (required)").set_input_files(str(recording))
    page.get_by_label(re.compile(r"^model")).fill("whisper-1")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_label("Envelope")).to_contain_text("heard the uploaded file")
    (sent,) = [r for r in provider.requests if r.path.endswith("/audio/transcriptions")]
    part = form_dict(sent)["file"]
    assert isinstance(part, FilePart)
    assert part.filename == "meeting.wav"
    assert part.content == SPEECH  # the bytes chosen in the browser, unchanged
    assert form_dict(sent)["model"] == "whisper-1"
    # the same call, for a file: curl sends it as a multipart part
    expect(page.locator("pre.code-curl")).to_contain_text("-F 'file=@meeting.wav'")


def test_a_generated_image_is_previewed_and_downloads_with_its_bytes(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    console.sign_in()
    page = console.page
    _choose(console, "images.generate")
    page.get_by_label(re.compile(r"^prompt")).fill("a blue square")
    page.get_by_role("button", name="Run").click()
    preview = page.get_by_role("img", name=re.compile("image"))
    expect(preview.first).to_be_visible()
    size = preview.first.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert size == [True, 3, 2]  # decoded: the provider's PNG
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download")).first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes() == IMAGE


def test_speech_gets_an_audio_player_with_a_playable_source(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    console.sign_in()
    page = console.page
    _choose(console, "audio.speech")
    page.get_by_label(re.compile(r"^input")).fill("Hello there.")
    page.get_by_label(re.compile(r"^response_format")).select_option("wav")
    page.get_by_role("button", name="Run").click()
    player = page.locator("audio")
    expect(player).to_have_count(1)
    expect(player).to_have_attribute("controls", "")
    expect(player).to_have_accessible_name("Audio answer")
    player.evaluate(
        "a => new Promise((ok, bad) => { if (a.readyState >= 1) ok();"
        " a.onloadedmetadata = ok; a.onerror = () => bad(a.error && a.error.message); })"
    )
    duration = player.evaluate("a => a.duration")
    assert duration == pytest.approx(len(SPEECH) / 8000, abs=0.05)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download")).first.click()
    saved = tmp_path / "speech"
    download.value.save_as(saved)
    assert saved.read_bytes() == SPEECH


def test_a_file_too_big_to_inline_downloads_through_the_service(
    console: Console, provider: ScriptedServer, tmp_path: Path
) -> None:
    app = console.service.app
    app.state.settings = replace(app.state.settings, max_inline_bytes=64)  # the speech is bigger
    console.sign_in()
    page = console.page
    _choose(console, "audio.speech")
    page.get_by_label(re.compile(r"^input")).fill("Hello there.")
    page.get_by_role("button", name="Run").click()
    button = page.get_by_role("button", name=re.compile(r"^Download"))
    expect(button).to_be_visible()
    with page.expect_download() as download:
        button.click()
    saved = tmp_path / "speech"
    download.value.save_as(saved)
    assert saved.read_bytes() == SPEECH
    assert any("/api/downloads/" in u for u in console.requests)
