"""Output files (images, speech, file downloads, batch results): checked before sending,
never written over unless asked, unique by default, and never lost when writing fails.

A full disk is made real with ``RLIMIT_FSIZE`` (the kernel refuses to grow any file of this
process past a few bytes, as a full disk refuses with ENOSPC); a folder that disappears or a
file that appears while the call runs is done by the scripted server when the request
arrives, after the connector's checks.
"""

from __future__ import annotations

import asyncio
import base64
import json
import resource
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from faces import Face
from fake_files_api import FakeFilesApi
from openai_connector import AsyncConnector, InvalidInput, OutputWriteFailed
from openai_connector.cli.exit_codes import exit_code_of
from scripted_server import Recorded, Reply, ScriptedServer, chat_body

SPEECH = b"ID3" + bytes(range(256)) * 40  # 10 KB of "mp3"
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def images_body(*images: bytes) -> dict[str, Any]:
    return {"created": 1, "data": [{"b64_json": base64.b64encode(i).decode()} for i in images]}


@contextmanager
def full_disk(room: int = 1000) -> Iterator[None]:
    """No file of this process grows past ``room`` bytes while inside (EFBIG, like ENOSPC)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (room, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def on_arrival(action: Callable[[], None], reply: Reply) -> Callable[[Recorded], Reply]:
    """A server default that does ``action`` when the request arrives, then answers."""

    def answer(recorded: Recorded) -> Reply:
        action()
        return reply

    return answer


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part"))


# ------------------------------------------------------------ before sending

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("images.generate", {"prompt": "x", "response_format": "b64_json"}, "output_name"),
    ("audio.speech", {"input": "hello"}, "output"),
    ("files.content", {"file_id": "file-1"}, "output"),
]


def _params(operation: str, params: dict[str, Any], folder: Path) -> tuple[dict[str, Any], Path]:
    if operation == "images.generate":
        return {**params, "output_dir": str(folder), "output_name": "pic"}, folder / "pic.png"
    target = folder / "out.bin"
    return {**params, "output": str(target)}, target


@pytest.mark.parametrize(("operation", "params", "field"), CASES)
def test_an_existing_file_is_refused_before_sending(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    field: str,
) -> None:
    params, target = _params(operation, params, tmp_path)
    target.write_bytes(b"precious")
    with pytest.raises(InvalidInput) as caught:
        face.run(operation, params, **openai)
    assert caught.value.field == field
    assert "exists already" in caught.value.message
    assert "overwrite" in (caught.value.hint or "")
    assert exit_code_of(caught.value) == 2
    assert server.requests == []
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize(("operation", "params", "field"), CASES)
def test_overwrite_true_replaces_the_existing_file(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    field: str,
) -> None:
    del field
    params, target = _params(operation, params, tmp_path)
    target.write_bytes(b"old")
    if operation == "images.generate":
        server.script(Reply(json=images_body(IMAGE)))
    else:
        server.script(Reply(body=SPEECH, headers={"content-type": "audio/mpeg"}))
    result = face.run(operation, {**params, "overwrite": True}, **openai)
    assert result.extra["files"] == [str(target)]
    assert target.read_bytes() == (IMAGE if operation == "images.generate" else SPEECH)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("operation", "params", "field"),
    [
        ("images.generate", {"prompt": "x", "response_format": "b64_json"}, "output_dir"),
        ("audio.speech", {"input": "hello"}, "output"),
        ("files.content", {"file_id": "file-1"}, "output"),
        ("batches.wait", {"batch_id": "batch_1"}, "output_dir"),
    ],
)
@pytest.mark.parametrize("why", ["under a file", "name too long"])
def test_a_folder_that_cannot_be_made_is_refused_before_sending(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    field: str,
    why: str,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    folder = blocker / "sub" if why == "under a file" else tmp_path / ("d" * 300)
    if field == "output_dir":
        params = {**params, "output_dir": str(folder)}
    else:
        params = {**params, "output": str(folder / "x.bin")}
    with pytest.raises(InvalidInput) as caught:
        face.run(operation, params, **openai)
    assert caught.value.field == field
    assert "cannot make the folder" in caught.value.message
    assert server.requests == []


@pytest.mark.parametrize(
    ("operation", "params"),
    [("audio.speech", {"input": "hello"}), ("files.content", {"file_id": "file-1"})],
)
@pytest.mark.parametrize(
    "name", ["", "folder/", "bad\x00name", "x" * 300, "existing-folder", "~no-such-user/x.bin"]
)
def test_an_invalid_output_name_is_refused_before_sending(
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    name: str,
) -> None:
    from openai_connector import Connector

    (tmp_path / "existing-folder").mkdir()
    output = f"{tmp_path}/{name}" if name and not name.startswith("~") else name
    with Connector(**openai) as connector, pytest.raises(InvalidInput) as caught:
        connector.run(operation, {**params, "output": output})
    assert caught.value.field == "output"
    assert server.requests == []


def test_batch_results_that_exist_are_refused_before_the_first_poll(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    (tmp_path / "batch_1_errors.jsonl").write_text("earlier results")
    with pytest.raises(InvalidInput) as caught:
        face.run("batches.wait", {"batch_id": "batch_1", "output_dir": str(tmp_path)}, **openai)
    assert caught.value.field == "output_dir"
    assert "batch_1_errors.jsonl" in caught.value.message
    assert server.requests == []
    assert (tmp_path / "batch_1_errors.jsonl").read_text() == "earlier results"


def test_batch_results_are_replaced_with_overwrite(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    files = FakeFilesApi()
    output_id = files.add(b'{"id": "r1"}\n', purpose="batch_output")
    batch = {"id": "batch_1", "status": "completed", "output_file_id": output_id}

    def answer(recorded: Recorded) -> Reply:
        if recorded.path == "/v1/batches/batch_1":
            return Reply(json=batch)
        return files(recorded)

    server.default = answer
    (tmp_path / "batch_1_output.jsonl").write_text("old")
    result = face.run(
        "batches.wait",
        {"batch_id": "batch_1", "output_dir": str(tmp_path), "overwrite": True},
        **openai,
    )
    assert result.extra["files"] == [str(tmp_path / "batch_1_output.jsonl")]
    assert (tmp_path / "batch_1_output.jsonl").read_bytes() == b'{"id": "r1"}\n'


# ------------------------------------------------------------ unique names


def test_concurrent_image_calls_each_get_their_own_files(
    openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    images = [IMAGE + bytes([n]) * 10 for n in range(8)]
    server.script(*(Reply(json=images_body(image), delay=0.05) for image in images))

    async def go() -> list[Any]:
        async with AsyncConnector(**openai) as connector:
            calls = [
                connector.run(
                    "images.generate",
                    {"prompt": f"p{n}", "response_format": "b64_json", "output_dir": str(tmp_path)},
                )
                for n in range(8)
            ]
            return await asyncio.gather(*calls)

    results = asyncio.run(go())
    paths = [result.extra["files"][0] for result in results]
    assert len(set(paths)) == 8
    assert len(list(tmp_path.iterdir())) == 8
    for result, path in zip(results, paths, strict=True):
        own = base64.b64decode(result.body["data"][0]["b64_json"])
        assert Path(path).read_bytes() == own
    assert sorted(Path(p).read_bytes() for p in paths) == sorted(images)


def test_several_images_without_a_name_are_numbered_under_one_unique_name(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(json=images_body(IMAGE, IMAGE + b"2")))
    result = face.run(
        "images.generate",
        {"prompt": "x", "n": 2, "response_format": "b64_json", "output_dir": str(tmp_path)},
        **openai,
    )
    first, second = (Path(p) for p in result.extra["files"])
    assert first.name.endswith("-1.png") and second.name.endswith("-2.png")
    assert first.name[: -len("-1.png")] == second.name[: -len("-2.png")]
    assert second.read_bytes() == IMAGE + b"2"


# ------------------------------------------------------- when writing fails


def test_images_that_cannot_be_written_are_carried_by_the_error(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    body = images_body(IMAGE)
    server.script(Reply(json=body))
    with full_disk(), pytest.raises(OutputWriteFailed) as caught:
        face.run(
            "images.generate",
            {
                "prompt": "x",
                "response_format": "b64_json",
                "output_dir": str(tmp_path),
                "keep_b64": False,
            },
            **openai,
        )
    error = caught.value
    assert error.code == "output_write_failed"
    assert exit_code_of(error) == 5
    assert error.result.body == body, "the paid-for images are in the error, b64 included"
    assert error.removed is not None and error.removed.endswith(".part")
    assert not Path(error.removed).exists()
    assert f"the partial file {error.removed} was removed" in error.message
    assert "File too large" in error.message
    assert list(tmp_path.iterdir()) == []
    assert error.to_dict()["response"]["body"] == body


def test_speech_that_cannot_be_written_is_carried_by_the_error(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(body=SPEECH, headers={"content-type": "audio/mpeg"}))
    target = tmp_path / "hello.mp3"
    with full_disk(), pytest.raises(OutputWriteFailed) as caught:
        face.run("audio.speech", {"input": "hello", "output": str(target)}, **openai)
    assert caught.value.result.body == SPEECH
    assert caught.value.path == str(target)
    assert list(tmp_path.iterdir()) == []


def test_a_download_that_cannot_be_written_is_carried_by_the_error(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    content = bytes(range(256)) * 400  # 100 KB, well past the room on the "disk"
    server.script(Reply(body=content, headers={"content-type": "application/octet-stream"}))
    target = tmp_path / "data.jsonl"
    with full_disk(), pytest.raises(OutputWriteFailed) as caught:
        face.run("files.content", {"file_id": "file-1", "output": str(target)}, **openai)
    assert caught.value.result.body == content, "what was written, read back, plus the rest"
    assert caught.value.removed is not None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("operation", "params", "reply", "expected"),
    [
        ("audio.speech", {"input": "hi"}, Reply(body=SPEECH), SPEECH),
        ("files.content", {"file_id": "file-1"}, Reply(body=SPEECH), SPEECH),
    ],
)
def test_a_folder_gone_after_the_check_fails_with_the_answer(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    reply: Reply,
    expected: bytes,
) -> None:
    folder = tmp_path / "out"

    def replace_folder_by_a_file() -> None:
        shutil.rmtree(folder)
        folder.write_text("in the way")

    server.default = on_arrival(replace_folder_by_a_file, reply)
    target = folder / "answer.bin"
    with pytest.raises(OutputWriteFailed) as caught:
        face.run(operation, {**params, "output": str(target)}, **openai)
    assert caught.value.result.body == expected
    assert caught.value.removed is None
    assert "no file was left" in caught.value.message
    assert folder.read_text() == "in the way"


@pytest.mark.parametrize(
    ("operation", "params", "reply"),
    [
        ("audio.speech", {"input": "hi"}, Reply(body=SPEECH)),
        ("files.content", {"file_id": "file-1"}, Reply(body=SPEECH)),
        (
            "images.generate",
            {"prompt": "x", "response_format": "b64_json", "output_name": "answer"},
            Reply(json=images_body(SPEECH)),
        ),
    ],
)
def test_a_file_made_while_the_call_ran_is_not_written_over(
    face: Face,
    openai: dict[str, Any],
    server: ScriptedServer,
    tmp_path: Path,
    operation: str,
    params: dict[str, Any],
    reply: Reply,
) -> None:
    if operation == "images.generate":
        target = tmp_path / "answer.png"
        params = {**params, "output_dir": str(tmp_path)}
    else:
        target = tmp_path / "answer.bin"
        params = {**params, "output": str(target)}
    server.default = on_arrival(lambda: target.write_bytes(b"someone else's"), reply)
    with pytest.raises(OutputWriteFailed) as caught:
        face.run(operation, params, **openai)
    assert target.read_bytes() == b"someone else's"
    assert "another file appeared there" in caught.value.message
    assert caught.value.result.body is not None
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------- jsonl.build

RECORDS = [{"prompt": "a", "completion": "b"}]


def test_jsonl_build_refuses_an_existing_file_unless_asked(face: Face, tmp_path: Path) -> None:
    target = tmp_path / "train.jsonl"
    target.write_text("earlier")
    params = {"records": RECORDS, "format": "completion", "output": str(target)}
    with pytest.raises(InvalidInput) as caught:
        face.run("jsonl.build", params)
    assert caught.value.field == "output"
    assert target.read_text() == "earlier"
    result = face.run("jsonl.build", {**params, "overwrite": True})
    assert result.body["lines"] == 1
    assert target.read_text() == '{"prompt": "a", "completion": "b"}\n'


def test_jsonl_build_that_cannot_write_leaves_no_partial_file(face: Face, tmp_path: Path) -> None:
    target = tmp_path / "train.jsonl"
    records = RECORDS * 100  # past the room on the "disk"
    with full_disk(), pytest.raises(OutputWriteFailed) as caught:
        face.run("jsonl.build", {"records": records, "format": "completion", "output": str(target)})
    assert caught.value.message.startswith(f"cannot write the records to {str(target)!r}")
    assert caught.value.result.body["lines"] == 100
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------- chat.create_many


def test_chat_many_refuses_an_existing_results_file_unless_asked(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    target = tmp_path / "answers.jsonl"
    target.write_text("yesterday's answers\n")
    params = {"model": "m", "prompts": ["a", "b"], "output": str(target)}
    with pytest.raises(InvalidInput) as caught:
        face.run("chat.create_many", params, **openai)
    assert caught.value.field == "output"
    assert server.requests == []
    assert target.read_text() == "yesterday's answers\n"
    server.default = Reply(json=chat_body("fine"))
    face.run("chat.create_many", {**params, "overwrite": True}, **openai)
    assert [json.loads(line)["index"] for line in target.read_text().splitlines()] == [0, 1]


def test_chat_many_results_that_cannot_be_written_are_carried_by_the_error(
    face: Face, openai: dict[str, Any], server: ScriptedServer, tmp_path: Path
) -> None:
    server.default = Reply(json=chat_body("an answer that was paid for"))
    target = tmp_path / "answers.jsonl"
    prompts = [f"question {n}" for n in range(20)]
    with full_disk(), pytest.raises(OutputWriteFailed) as caught:
        face.run(
            "chat.create_many",
            {"model": "m", "prompts": prompts, "concurrency": 4, "output": str(target)},
            **openai,
        )
    body = caught.value.result.body
    assert [record["index"] for record in body["results"]] == list(range(20))
    assert all(r["body"]["choices"][0]["message"]["content"] for r in body["results"])
    assert body["succeeded"] == 20
    assert f"the incomplete file {target} was removed" in caught.value.message
    assert list(tmp_path.iterdir()) == []
