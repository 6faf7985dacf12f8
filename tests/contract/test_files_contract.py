"""files.* requests, validated against the OpenAI spec (multipart upload included).

What the specs cannot validate, and why:

- Azure: the 2024-10-21 data-plane inference spec has no files paths; the connector refuses
  every files operation on Azure before sending (tested below).
- ``files.content``: the request (a GET with a path parameter) is validated, but the answer
  is the file's raw bytes, which the spec describes only loosely and Prism answers with a
  placeholder; byte-for-byte downloads are tested against the stateful fake files API
  (tests/fake_files_api.py, tests/operations/test_files.py).
- The uploaded file's *content* (JSON Lines, images): the spec types ``file`` as binary, so
  Prism checks that the part is there, not what is in it.
- ``expires_after`` on upload: the spec declares it as an object inside the multipart body
  but gives no ``encoding`` for it; the connector sends ``expires_after[anchor]`` and
  ``expires_after[seconds]`` form fields (as OpenAI's own SDKs do), which Prism treats as
  unknown fields and does not check (a JSON text in one field is refused as "must be
  object"). The connector checks the limits itself (3600 to 2592000 seconds, tests in
  tests/operations/test_files.py).

Multipart validation is live: a form with an unknown ``purpose`` gets 422 (tested below).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from spec_checks import NO_RETRY, capture, run_valid, violations

from openai_connector import BadRequest, Connector, UnsupportedOperation

TRAINING = (
    b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n'
)


def test_upload_minimal(openai_prism: dict[str, Any]) -> None:
    run_valid(
        openai_prism,
        "files.upload",
        {"file": TRAINING, "filename": "train.jsonl", "purpose": "fine-tune"},
    )


@pytest.mark.parametrize("purpose", ["fine-tune", "batch", "assistants", "vision", "user_data"])
def test_upload_full_from_a_path(
    purpose: str, openai_prism: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "data.jsonl"
    source.write_bytes(TRAINING)
    run_valid(
        openai_prism,
        "files.upload",
        {
            "file": str(source),
            "purpose": purpose,
            "filename": "renamed.jsonl",
            "expires_after": {"anchor": "created_at", "seconds": 86400},
        },
    )


def test_list_minimal_and_full(openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, "files.list", {})
    run_valid(
        openai_prism,
        "files.list",
        {"purpose": "batch", "limit": 100, "order": "asc", "after": "file-abc"},
    )


@pytest.mark.parametrize("operation", ["files.retrieve", "files.delete", "files.content"])
def test_by_id(operation: str, openai_prism: dict[str, Any]) -> None:
    run_valid(openai_prism, operation, {"file_id": "file-abc123"})


def test_content_saved_and_as_text(openai_prism: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "content.bin"
    saved = run_valid(openai_prism, "files.content", {"file_id": "file-abc", "output": str(target)})
    assert saved.extra["files"] == [str(target)]
    assert target.is_file()
    run_valid(openai_prism, "files.content", {"file_id": "file-abc", "as_text": True})


def test_multipart_validation_is_live(openai_prism: dict[str, Any]) -> None:
    form = {"purpose": "not-a-purpose"}
    files = {"file": TRAINING}
    with Connector(**openai_prism, retry=NO_RETRY) as connector:
        refused = capture(
            lambda: connector.run(
                "raw.request",
                {
                    "path": "/files",
                    "method": "POST",
                    "form_data": form,
                    "file_data": files,
                    "file_data_file_names": {"file": "t.jsonl"},
                },
            )
        )
    assert isinstance(refused, BadRequest) and refused.status == 422, refused
    found = violations(refused.status, refused.result.headers, refused.result.body)
    assert any(line.startswith("body.purpose:") for line in found), found


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("files.upload", {"file": TRAINING, "filename": "t.jsonl", "purpose": "batch"}),
        ("files.list", {}),
        ("files.content", {"file_id": "file-abc"}),
    ],
)
def test_azure_refuses_before_sending(
    operation: str, params: dict[str, Any], azure_prism: dict[str, Any]
) -> None:
    with Connector(**azure_prism) as connector, pytest.raises(UnsupportedOperation):
        connector.run(operation, params)
