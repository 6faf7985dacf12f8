"""Local file inputs have size limits, checked from the file's size before it is read.

The files here are sparse: they take no disk and would take their whole size in memory if
they were read. Over the limit the call fails with InvalidInput naming the field, and
nothing is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faces import Face
from media_samples import png
from openai_connector import InvalidInput
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Reply, ScriptedServer

MB = 1024 * 1024

# (operation, input with PATH where the file goes, the field named, the documented limit)
LIMITS: list[tuple[str, dict[str, Any], str, int]] = [
    ("audio.transcribe", {"file": "PATH"}, "file", 25 * MB),
    ("audio.translate", {"file": "PATH"}, "file", 25 * MB),
    ("images.edit", {"image": "PATH", "prompt": "x", "model": "gpt-image-1"}, "image", 50 * MB),
    ("images.edit", {"image": "SMALL", "mask": "PATH", "prompt": "x"}, "mask", 4 * MB),
    ("images.variation", {"image": "PATH"}, "image", 4 * MB),
    ("files.upload", {"file": "PATH", "purpose": "batch"}, "file", 512 * MB),
    (
        "raw.request",
        {"path": "/x", "method": "POST", "file_data": {"doc": "PATH"}},
        "file_data",
        512 * MB,
    ),
    ("chat.create", {"prompt": "look", "model": "m", "images": ["PATH"]}, "images", 20 * MB),
]


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as file:
        file.truncate(size)
    return path


def fill(value: Any, path: Path, small: Path) -> Any:
    if value == "PATH":
        return str(path)
    if value == "SMALL":
        return str(small)
    if isinstance(value, dict):
        return {k: fill(v, path, small) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, path, small) for v in value]
    return value


@pytest.mark.parametrize(("operation", "params", "field", "limit"), LIMITS)
def test_a_file_over_the_limit_is_refused_before_reading_or_sending(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    field: str,
    limit: int,
) -> None:
    small = tmp_path / "small.png"
    small.write_bytes(png(2, 2, (1, 2, 3)))
    big = sparse(tmp_path / "big.png", limit + 1)
    with pytest.raises(InvalidInput) as caught:
        face.run(operation, fill(params, big, small), **openai)
    error = caught.value
    assert error.field is not None and error.field.startswith(field)
    assert f"{limit:,}" in error.message
    assert f"{limit + 1:,}" in error.message
    assert exit_code_of(error) == 2
    assert server.requests == []


@pytest.mark.parametrize(
    ("operation", "params", "limit"),
    [
        ("chat.create", {"prompt": "look", "model": "m", "images": ["PATH"]}, 20 * MB),
        ("raw.request", {"path": "/x", "method": "POST", "file_data": {"doc": "PATH"}}, 512 * MB),
    ],
)
@pytest.mark.filterwarnings("ignore:Sending a large body:ResourceWarning")  # aiohttp, 20 MB JSON
def test_a_file_at_the_limit_is_sent(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    limit: int,
) -> None:
    if limit > 20 * MB:  # a sent body of 512 MB is tested in test_large_files.py
        limit = 3 * MB
    path = tmp_path / "exact.png"
    path.write_bytes(b"\x89PNG" + b"\x01" * (limit - 4))
    answer = {"choices": []} if operation == "chat.create" else {"ok": True}  # a chat answer
    server.script(Reply(json=answer))
    face.run(operation, fill(params, path, path), **openai)
    assert len(server.requests[0].body) > limit


@pytest.mark.parametrize("bad", ["x" * 5000, "nul\x00byte.png", "~no-such-user-here/a.png", "."])
@pytest.mark.parametrize(("operation", "params", "field", "limit"), LIMITS)
def test_a_path_that_names_no_file_is_invalid_input(
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    field: str,
    limit: int,
    bad: str,
) -> None:
    from openai_connector import Connector

    del limit
    small = tmp_path / "small.png"
    small.write_bytes(png(2, 2, (1, 2, 3)))
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, _with(params, bad, small))
    assert caught.value.field is not None and caught.value.field.startswith(field)
    assert server.requests == []


def _with(params: Any, bad: str, small: Path) -> Any:
    if isinstance(params, dict):
        return {k: _with(v, bad, small) for k, v in params.items()}
    if isinstance(params, list):
        return [_with(v, bad, small) for v in params]
    return bad if params == "PATH" else str(small) if params == "SMALL" else params
