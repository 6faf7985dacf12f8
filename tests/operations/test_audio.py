"""audio.transcribe / audio.translate (multipart uploads) and audio.speech (binary answers)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from media_samples import wav
from multipart_form import FilePart, form_dict, form_fields
from openai_connector import Connector, InvalidInput, UnsupportedOperation
from openai_connector.errors import BadRequest, RateLimited
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"


SOUND = wav(bytes(range(256)) * 16 + b"\r\n--boundary\r\n\x00")
"""Every byte value, CRLFs and a fake boundary: what arrives must be byte-identical."""
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(255, -1, -1))
SPEECH = b"\xff\xfb\x90\x00" + bytes(range(256)) * 8
VERBOSE = {
    "task": "transcribe",
    "language": "german",
    "duration": 1.5,
    "text": "Hallo Welt",
    "words": [{"word": "Hallo", "start": 0.0, "end": 0.5}],
    "segments": [{"id": 0, "start": 0.0, "end": 1.5, "text": "Hallo Welt"}],
}
SRT = "1\n00:00:00,000 --> 00:00:01,500\nHallo Welt\n"


@pytest.fixture
def azure(server: ScriptedServer) -> dict[str, Any]:
    return {"provider": "azure", "endpoint": server.url, "api_key": AZURE_KEY}


@pytest.fixture
def sound_file(tmp_path: Path) -> Path:
    path = tmp_path / "meeting.wav"
    path.write_bytes(SOUND)
    return path


def refused(connection: dict[str, Any], operation: str, params: dict[str, Any]) -> InvalidInput:
    with Connector(**connection) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, params)
    return caught.value


def file_sent(server: ScriptedServer) -> FilePart:
    part = form_dict(server.requests[0])["file"]
    assert isinstance(part, FilePart)
    return part


# ---------------------------------------------------------------- transcribe


def test_transcribe_minimal_sends_the_file_unchanged(
    face: Face, openai: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    server.script(Reply(json={"text": "Hallo Welt"}))
    result = face.run("audio.transcribe", {"file": str(sound_file)}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/audio/transcriptions")
    fields = form_dict(sent)
    assert fields["model"] == "whisper-1"
    part = file_sent(server)
    assert part.filename == "meeting.wav"
    assert part.content == SOUND
    assert part.content_type.startswith("audio/")
    assert set(fields) == {"file", "model"}
    assert sent.headers["accept"] == "application/json"
    assert result.body == {"text": "Hallo Welt"}


def test_transcribe_all_parameters(
    openai: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    server.script(Reply(json=VERBOSE))
    with Connector(**openai) as connector:
        result = connector.run(
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
    fields = form_fields(server.requests[0])
    name, part = fields[0]
    assert name == "file" and isinstance(part, FilePart)
    assert (part.filename, part.content) == ("call.wav", SOUND)
    assert fields[1:] == [
        ("model", "whisper-1"),
        ("prompt", "Ein Gespräch"),
        ("temperature", "0.2"),
        ("language", "de"),
        ("response_format", "verbose_json"),
        ("timestamp_granularities[]", "word"),
        ("timestamp_granularities[]", "segment"),
    ]
    assert result.body == VERBOSE


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt"])
def test_text_formats_come_back_as_text(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    sound_file: Path,
    response_format: str,
) -> None:
    server.script(Reply(body=SRT.encode(), headers={"content-type": "text/plain; charset=utf-8"}))
    result = face.run(
        "audio.transcribe", {"file": str(sound_file), "response_format": response_format}, **openai
    )
    assert result.body == SRT
    assert form_dict(server.requests[0])["response_format"] == response_format
    assert server.requests[0].headers["accept"] == "*/*"


def test_bytes_are_named_from_their_format_or_by_filename(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    with Connector(**openai) as connector:
        connector.run("audio.transcribe", {"file": SOUND})
        connector.run("audio.transcribe", {"file": MP3})
        connector.run("audio.transcribe", {"file": b"\x00\x01raw", "filename": "note.m4a"})
    parts = [form_dict(r)["file"] for r in server.requests]
    assert [(p.filename, p.content) for p in parts if isinstance(p, FilePart)] == [
        ("audio.wav", SOUND),
        ("audio.mp3", MP3),
        ("note.m4a", b"\x00\x01raw"),
    ]


def test_a_data_url_is_decoded_and_sent_as_bytes(
    openai: dict[str, Any], server: ScriptedServer
) -> None:
    data_url = "data:audio/wav;base64," + base64.b64encode(SOUND).decode()
    with Connector(**openai) as connector:
        connector.run("audio.transcribe", {"file": data_url})
    part = file_sent(server)
    assert part.content == SOUND
    assert part.filename == "audio.wav"


def test_transcribe_error_status(
    face: Face, openai: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    error = {"error": {"message": "Invalid file format.", "type": "invalid_request_error"}}
    server.script(Reply(400, json=error))
    with pytest.raises(BadRequest) as caught:
        face.run("audio.transcribe", {"file": str(sound_file)}, **openai)
    assert caught.value.result.body == error
    assert "Invalid file format" in str(caught.value)


TRANSCRIBE_LIMITS = [
    ({"temperature": 1.5}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"language": "eng"}, "language"),
    ({"language": "DE"}, "language"),
    ({"response_format": "xml"}, "response_format"),
    ({"timestamp_granularities": ["word"]}, "timestamp_granularities"),
    (
        {"response_format": "verbose_json", "timestamp_granularities": ["word", "word"]},
        "timestamp_granularities",
    ),
    (
        {"response_format": "verbose_json", "timestamp_granularities": ["char"]},
        "timestamp_granularities",
    ),
    ({"model": "gpt-4o-transcribe", "response_format": "srt"}, "response_format"),
    ({"model": "whisper-1", "response_format": "diarized_json"}, "response_format"),
    ({"file": "/no/such/file.wav"}, "file"),
    ({"file": b""}, "file"),
    ({"file": b"\x00" * (25 * 1024 * 1024 + 1), "filename": "big.wav"}, "file"),
    ({"file": b"\x00\x01 unknown"}, "filename"),
    ({"file": SOUND, "filename": "notes.txt"}, "filename"),
    ({"file": SOUND, "filename": ""}, "filename"),
    ({"file": "data:audio/wav;base64,!!"}, "file"),
    ({"speaker": "me"}, "speaker"),
]


@pytest.mark.parametrize(("params", "field"), TRANSCRIBE_LIMITS)
def test_transcribe_limits_are_refused_before_sending(
    openai: dict[str, Any],
    server: ScriptedServer,
    sound_file: Path,
    params: dict[str, Any],
    field: str,
) -> None:
    error = refused(openai, "audio.transcribe", {"file": str(sound_file), **params})
    assert error.field is not None and error.field.split(".")[0] == field
    assert server.requests == []


def test_a_path_with_an_unknown_extension_is_refused(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(SOUND)
    error = refused(openai, "audio.transcribe", {"file": str(notes)})
    assert error.field == "file"
    assert "notes.txt" in str(error)
    assert server.requests == []


def test_transcribe_on_azure_uses_the_deployment(
    azure: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    server.script(Reply(body=b"WEBVTT\n", headers={"content-type": "text/plain"}))
    with Connector(**azure) as connector:
        result = connector.run(
            "audio.transcribe",
            {
                "model": "whisper",
                "file": str(sound_file),
                "language": "en",
                "prompt": "p",
                "response_format": "vtt",
                "temperature": 0,
            },
        )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/whisper/audio/transcriptions"
    assert sent.query == {"api-version": "2024-10-21"}
    fields = form_dict(sent)
    assert "model" not in fields
    assert {k: v for k, v in fields.items() if k != "file"} == {
        "prompt": "p",
        "temperature": "0.0",
        "language": "en",
        "response_format": "vtt",
    }
    assert file_sent(server).content == SOUND
    assert result.body == "WEBVTT\n"


def test_azure_timestamps_need_a_newer_api_version(
    azure: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    params = {
        "model": "whisper",
        "file": str(sound_file),
        "response_format": "verbose_json",
        "timestamp_granularities": ["segment"],
    }
    with Connector(**azure) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run("audio.transcribe", params)
    assert "timestamp_granularities" in str(caught.value)
    assert server.requests == []
    server.script(Reply(json=VERBOSE))
    with Connector(**azure, api_version="2025-04-01-preview") as connector:
        connector.run("audio.transcribe", params)
    assert form_dict(server.requests[0])["timestamp_granularities[]"] == "segment"


# ----------------------------------------------------------------- translate


def test_translate_minimal(
    face: Face, openai: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    server.script(Reply(json={"text": "Hello world"}))
    result = face.run("audio.translate", {"file": str(sound_file)}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/audio/translations")
    assert {k: v for k, v in form_dict(sent).items() if k != "file"} == {"model": "whisper-1"}
    assert file_sent(server).content == SOUND
    assert result.body == {"text": "Hello world"}


def test_translate_all_parameters(
    openai: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    server.script(Reply(body=SRT.encode(), headers={"content-type": "text/plain"}))
    with Connector(**openai) as connector:
        result = connector.run(
            "audio.translate",
            {
                "audio": str(sound_file),
                "model": "whisper-1",
                "prompt": "A greeting",
                "response_format": "srt",
                "temperature": 0.4,
            },
        )
    assert {k: v for k, v in form_dict(server.requests[0]).items() if k != "file"} == {
        "model": "whisper-1",
        "prompt": "A greeting",
        "temperature": "0.4",
        "response_format": "srt",
    }
    assert result.body == SRT


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"language": "de"}, "language"),
        ({"temperature": 2}, "temperature"),
        ({"response_format": "diarized_json"}, "response_format"),
        ({"timestamp_granularities": ["word"]}, "timestamp_granularities"),
    ],
)
def test_translate_limits_are_refused_before_sending(
    openai: dict[str, Any],
    server: ScriptedServer,
    sound_file: Path,
    params: dict[str, Any],
    field: str,
) -> None:
    error = refused(openai, "audio.translate", {"file": str(sound_file), **params})
    assert error.field == field
    assert server.requests == []


def test_translate_on_azure(
    azure: dict[str, Any], server: ScriptedServer, sound_file: Path
) -> None:
    server.script(Reply(json={"text": "Hello"}))
    with Connector(**azure) as connector:
        connector.run("audio.translate", {"model": "whisper", "file": str(sound_file)})
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/whisper/audio/translations"
    assert set(form_dict(sent)) == {"file"}


# -------------------------------------------------------------------- speech


def test_speech_minimal_returns_the_bytes(
    face: Face, openai: dict[str, Any], server: ScriptedServer
) -> None:
    server.script(Reply(body=SPEECH, headers={"content-type": "audio/mpeg"}))
    result = face.run("audio.speech", {"input": "Hello there"}, **openai)
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/audio/speech")
    assert sent.json == {"model": "gpt-4o-mini-tts", "input": "Hello there", "voice": "alloy"}
    assert sent.headers["accept"] == "*/*", "the answer is audio, not JSON"
    assert result.body == SPEECH
    assert "files" not in result.extra


def test_speech_all_parameters_written_to_the_output_file(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(body=SPEECH, headers={"content-type": "audio/wav"}))
    target = tmp_path / "out" / "greeting.wav"
    result = face.run(
        "audio.speech",
        {
            "input": "Welcome!",
            "model": "gpt-4o-mini-tts",
            "voice": "coral",
            "response_format": "wav",
            "speed": 1.25,
            "instructions": "Cheerful and warm.",
            "output": str(target),
        },
        **openai,
    )
    assert server.requests[0].json == {
        "model": "gpt-4o-mini-tts",
        "input": "Welcome!",
        "voice": "coral",
        "response_format": "wav",
        "speed": 1.25,
        "instructions": "Cheerful and warm.",
    }
    assert target.read_bytes() == SPEECH
    assert result.extra["files"] == [str(target)]
    assert result.body == {"path": str(target), "bytes": len(SPEECH), "content_type": "audio/wav"}
    assert [p.name for p in target.parent.iterdir()] == ["greeting.wav"]


def test_speech_format_follows_the_output_name_and_custom_voices_are_sent(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    with Connector(**openai) as connector:
        connector.run(
            "audio.speech",
            {
                "text": "hi",
                "model": "tts-1",
                "voice": {"id": "voice_123"},
                "output": str(tmp_path / "a.flac"),
            },
        )
    assert server.requests[0].json == {
        "model": "tts-1",
        "input": "hi",
        "voice": {"id": "voice_123"},
        "response_format": "flac",
    }


def test_speech_error_status_writes_no_file(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    error = {"error": {"message": "quota", "type": "requests", "code": "rate_limit_exceeded"}}
    server.script(*[Reply(429, json=error)] * 3)
    target = tmp_path / "speech.mp3"
    with pytest.raises(RateLimited) as caught:
        face.run("audio.speech", {"input": "hi", "output": str(target)}, **openai)
    assert caught.value.result.body == error
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


SPEECH_LIMITS = [
    ({"input": "x" * 4097}, "input"),
    ({"input": ""}, "input"),
    ({"speed": 0.2}, "speed"),
    ({"speed": 4.5}, "speed"),
    ({"voice": "robot"}, "voice"),
    ({"voice": {"name": "x"}}, "voice"),
    ({"response_format": "ogg"}, "response_format"),
    ({"model": "tts-1", "instructions": "whisper"}, "instructions"),
    ({"model": "tts-1-hd", "voice": "ballad"}, "voice"),
    ({"instructions": "x" * 4097}, "instructions"),
    ({"response_format": "wav", "output": "speech.mp3"}, "output"),
    ({"output": "."}, "output"),
    ({"stream_format": "sse"}, "stream_format"),
]


@pytest.mark.parametrize(("params", "field"), SPEECH_LIMITS)
def test_speech_limits_are_refused_before_sending(
    openai: dict[str, Any], server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    error = refused(openai, "audio.speech", {"input": "hi", **params})
    assert error.field is not None and error.field.split(".")[0] == field
    assert server.requests == []


def test_azure_has_no_speech(azure: dict[str, Any], server: ScriptedServer) -> None:
    with Connector(**azure) as connector, pytest.raises(UnsupportedOperation) as caught:
        connector.run("audio.speech", {"model": "tts", "input": "hi"})
    assert "speech" in str(caught.value)
    assert server.requests == []
