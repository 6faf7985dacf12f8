"""Result.to_jsonable(): the envelope and meta as JSON values only, in the core."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from openai_connector import Result
from openai_connector.secrets import Redactor
from openai_connector.usage import Usage


def test_bytes_become_base64_with_their_length() -> None:
    result = Result(200, {"content-type": "audio/mpeg"}, b"\x00\xffsound")
    data = result.to_jsonable()
    assert data["body"] == {"bytes": 7, "base64": base64.b64encode(b"\x00\xffsound").decode()}
    assert data["status"] == 200 and data["headers"] == {"content-type": "audio/mpeg"}
    json.dumps(data)  # nothing JSON cannot hold is left


def test_paths_tuples_and_usage_become_json_values() -> None:
    result = Result(
        200,
        {},
        {"data": [{"b64_json": None}]},
        usage=Usage(1, 2, 3),
        extra={"files": (Path("out/a.png"), Path("out/b.png")), "chunks": [b"ab"]},
    )
    data = result.to_jsonable()
    assert data["meta"]["files"] == ["out/a.png", "out/b.png"]
    assert data["meta"]["chunks"] == [{"bytes": 2, "base64": "YWI="}]
    assert data["meta"]["usage"]["total_tokens"] == 3
    assert json.loads(json.dumps(data)) == data


def test_redact_masks_secrets_in_bytes_before_they_become_base64() -> None:
    redactor = Redactor(["sk-secret-123456"])
    result = Result(200, {}, b"key=sk-secret-123456")
    data = result.to_jsonable(redact=redactor.deep)
    decoded = base64.b64decode(data["body"]["base64"])
    assert b"sk-secret-123456" not in decoded and b"***" in decoded
