"""Files through the command line: input limits (exit 2, nothing sent), output files refused
before sending, and an answer that cannot be written printed instead of lost (exit 5)."""

from __future__ import annotations

import base64
import json
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripted_server import Reply, ScriptedServer

SPEECH = b"ID3" + bytes(range(256)) * 40


@contextmanager
def full_disk(room: int = 1000) -> Iterator[None]:
    """No file of this process grows past ``room`` bytes while inside (EFBIG, like ENOSPC)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (room, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_chat_image_over_the_limit_exits_2_before_reading(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    image = tmp_path / "huge.png"
    with image.open("wb") as file:
        file.truncate(2 * 1024**3)  # 2 GB, sparse: reading it would take 8 GB as base64
    result = invoke("chat", "--prompt", "what is it?", "--model", "m", "--image", str(image))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: images: ")
    assert "20,971,520 bytes" in result.stderr
    assert result.stdout == ""
    assert server.requests == []


def test_an_existing_output_file_exits_2_before_sending(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    target = tmp_path / "hello.mp3"
    target.write_bytes(b"keep me")
    result = invoke("run", "audio.speech", "--input", "hi", "--output", str(target))
    assert result.exit_code == 2
    assert "output: " in result.stderr
    assert "exists already" in result.stderr
    assert "overwrite" in result.stderr
    assert server.requests == []
    assert target.read_bytes() == b"keep me"


def test_an_answer_that_cannot_be_written_is_printed_and_exits_5(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    server.default = Reply(body=SPEECH, headers={"content-type": "audio/mpeg"})
    target = tmp_path / "hello.mp3"
    with full_disk():
        result = invoke("run", "audio.speech", "--input", "hi", "--output", str(target))
    assert result.exit_code == 5
    envelope = json.loads(result.stdout)
    assert envelope["status"] == 200
    assert base64.b64decode(envelope["body"]["base64"]) == SPEECH
    assert result.stderr.startswith(f"error: cannot write the answer to {str(target)!r}")
    assert "was removed" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_with_json_the_error_carries_the_answer_on_stdout(
    server: ScriptedServer, invoke, tmp_path: Path
) -> None:
    body = {"created": 1, "data": [{"b64_json": base64.b64encode(SPEECH).decode()}]}
    server.default = Reply(json=body)
    with full_disk():
        result = invoke(
            "--json",
            "run",
            "images.generate",
            "--prompt",
            "x",
            "--response-format",
            "b64_json",
            "--output-dir",
            str(tmp_path),
        )
    assert result.exit_code == 5
    error = json.loads(result.stdout)
    assert error["code"] == "output_write_failed"
    assert error["response"]["body"] == body
    assert error["removed"].endswith(".part")
    assert list(tmp_path.iterdir()) == []
