"""audio.transcribe / audio.translate (multipart) and audio.speech (JSON in, binary out),
validated against the OpenAI spec and, for transcriptions and translations, the Azure
2024-10-21 spec (``/deployments/{deployment}/audio/...``; the model is the deployment and is
not a form field there). Azure 2024-10-21 has no speech: refused before sending (tested).

What the spec and Prism cannot validate, and why:

- **The sound file.** ``file`` is ``format: binary``: Prism checks the part is present, not
  that it is audio, under 25 MB, or that its bytes arrived unchanged. The byte-identical
  upload is tested against the scripted server (tests/operations/test_audio.py).
- **timestamp_granularities.** The API takes it as repeated ``timestamp_granularities[]``
  form fields (as the official SDK sends it). Prism knows only the name without ``[]`` and
  cannot turn repeated form fields into an array; it ignores the ``[]`` fields, so their
  values are not checked here (the input model allows only ``word`` and ``segment``).
- **Unknown multipart fields.** Prism accepts extra form fields even where the spec says
  ``additionalProperties: false`` (CreateTranscriptionRequest), so a misspelt field would
  pass here; the input models forbid unknown fields instead.
- **Text answers.** For text, srt and vtt the API answers with plain text; Prism answers
  with the spec's JSON example (the Azure spec offers text/plain second), so what the
  connector does with a text answer is tested against the scripted server.
- **The speech answer** is ``application/octet-stream``: Prism sends the placeholder bytes
  ``string``, so only the request and the writing of those bytes to ``output`` are checked.
- Prism flags the Azure spec's own example answers (``oneOf`` of json/verbose_json); such
  complaints about the *response* are ignored, only the request is judged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import urllib3
from prism_mock import OPENAI_KEY, PrismServer
from request_checks import run_request_valid
from spec_checks import violations

from media_samples import wav
from openai_connector import Connector, UnsupportedOperation

SOUND = wav(bytes(range(256)) * 4)


@pytest.fixture
def sound_file(tmp_path: Path) -> Path:
    path = tmp_path / "meeting.wav"
    path.write_bytes(SOUND)
    return path


# ---------------------------------------------------------------- transcribe


def test_transcribe_minimal_openai(openai_prism: dict[str, Any], sound_file: Path) -> None:
    result = run_request_valid(openai_prism, "audio.transcribe", {"file": str(sound_file)})
    assert "text" in result.body


def test_transcribe_full_openai(openai_prism: dict[str, Any], sound_file: Path) -> None:
    run_request_valid(
        openai_prism,
        "audio.transcribe",
        {
            "file": str(sound_file),
            "filename": "call.wav",
            "model": "whisper-1",
            "language": "de",
            "prompt": "Ein Gespräch",
            "response_format": "verbose_json",
            "temperature": 0.2,
            "timestamp_granularities": ["word", "segment"],
        },
    )


@pytest.mark.parametrize("response_format", ["json", "text", "srt", "vtt", "verbose_json"])
def test_transcribe_each_response_format_openai(
    openai_prism: dict[str, Any], sound_file: Path, response_format: str
) -> None:
    run_request_valid(
        openai_prism,
        "audio.transcribe",
        {"file": SOUND, "model": "whisper-1", "response_format": response_format},
    )


def test_transcribe_gpt_4o_openai(openai_prism: dict[str, Any]) -> None:
    run_request_valid(
        openai_prism,
        "audio.transcribe",
        {"file": SOUND, "model": "gpt-4o-transcribe", "response_format": "json", "language": "en"},
    )


def test_transcribe_minimal_azure(azure_prism: dict[str, Any], sound_file: Path) -> None:
    run_request_valid(
        azure_prism, "audio.transcribe", {"model": "whisper", "file": str(sound_file)}
    )


def test_transcribe_full_azure(azure_prism: dict[str, Any], sound_file: Path) -> None:
    run_request_valid(
        azure_prism,
        "audio.transcribe",
        {
            "model": "whisper",
            "file": str(sound_file),
            "language": "en",
            "prompt": "A meeting",
            "response_format": "vtt",
            "temperature": 0.3,
        },
    )


# ----------------------------------------------------------------- translate


def test_translate_minimal_openai(openai_prism: dict[str, Any], sound_file: Path) -> None:
    run_request_valid(openai_prism, "audio.translate", {"file": str(sound_file)})


def test_translate_full_openai(openai_prism: dict[str, Any], sound_file: Path) -> None:
    run_request_valid(
        openai_prism,
        "audio.translate",
        {
            "file": str(sound_file),
            "model": "whisper-1",
            "prompt": "A greeting",
            "response_format": "srt",
            "temperature": 0.4,
        },
    )


def test_translate_minimal_azure(azure_prism: dict[str, Any], sound_file: Path) -> None:
    run_request_valid(azure_prism, "audio.translate", {"model": "whisper", "file": str(sound_file)})


def test_translate_full_azure(azure_prism: dict[str, Any]) -> None:
    run_request_valid(
        azure_prism,
        "audio.translate",
        {
            "model": "whisper",
            "file": SOUND,
            "prompt": "A greeting",
            "response_format": "verbose_json",
            "temperature": 0,
        },
    )


# -------------------------------------------------------------------- speech


def test_speech_minimal_openai(openai_prism: dict[str, Any]) -> None:
    result = run_request_valid(openai_prism, "audio.speech", {"input": "Hello there"})
    assert isinstance(result.body, bytes) and result.body


def test_speech_full_openai_written_to_output(openai_prism: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "speech" / "welcome.wav"
    result = run_request_valid(
        openai_prism,
        "audio.speech",
        {
            "input": "Welcome!",
            "model": "gpt-4o-mini-tts",
            "voice": "coral",
            "response_format": "wav",
            "speed": 1.25,
            "instructions": "Cheerful.",
            "output": str(target),
        },
    )
    assert result.extra["files"] == [str(target)]
    assert target.read_bytes(), "Prism's placeholder bytes are written"


def test_speech_classic_model_and_custom_voice_openai(openai_prism: dict[str, Any]) -> None:
    run_request_valid(
        openai_prism,
        "audio.speech",
        {
            "input": "Hi",
            "model": "tts-1-hd",
            "voice": {"id": "voice_1234"},
            "response_format": "pcm",
        },
    )


def test_azure_speech_is_refused_before_sending(
    azure_prism: dict[str, Any], azure_prism_server: PrismServer
) -> None:
    before = azure_prism_server.requests_received()
    with Connector(**azure_prism) as connector, pytest.raises(UnsupportedOperation):
        connector.run("audio.speech", {"model": "tts", "input": "Hi"})
    assert azure_prism_server.requests_received() == before


# ----------------------------------------------------- the checks are live


def test_prism_validates_multipart_audio_requests(openai_prism_server: PrismServer) -> None:
    """A transcription without its required model gets 422, so the passes above mean it."""
    from urllib3.filepost import encode_multipart_formdata

    body, content_type = encode_multipart_formdata(
        [("file", ("a.wav", SOUND, "audio/wav")), ("response_format", "json")]
    )
    response = urllib3.request(
        "POST",
        openai_prism_server.url + "/audio/transcriptions",
        body=body,
        headers={"content-type": content_type, "authorization": f"Bearer {OPENAI_KEY}"},
        retries=False,
        timeout=30,
    )
    assert response.status == 422
    found = violations(422, dict(response.headers), response.json())
    assert any("model" in line for line in found), found
