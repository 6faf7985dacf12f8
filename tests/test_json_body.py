"""Request bodies encoded with orjson: the same JSON values as the standard library, and what
JSON cannot carry refused as InvalidInput naming the field, before sending."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from faces import Face
from openai_connector import InvalidInput
from openai_connector.json_body import Unsendable, encode
from scripted_server import ScriptedServer

VALUES = [
    {"text": "naïve — 日本語 😀", "escape": 'quote " back \\ \n tab \t \u0001'},
    {"floats": [0.1, 0.2 + 0.1, 1e-7, 1e16, 1.5e300, -0.0, 2.0], "ints": [0, -1, 2**63 - 1]},
    {"big": 2**80, "nested": [[[{"a": None, "b": True}]]]},
    {1: "key that is not text"},
]


@pytest.mark.parametrize("value", VALUES)
def test_the_body_parses_back_to_what_the_standard_library_writes(value: Any) -> None:
    sent = encode(value)
    assert json.loads(sent) == json.loads(json.dumps(value, ensure_ascii=False))
    assert "日本語".encode() in sent or "日本語" not in json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("value", [math.nan, math.inf, {"a": [1, -math.inf]}, {"a": {1, 2}}])
def test_what_json_cannot_carry_is_refused(value: Any) -> None:
    with pytest.raises(Unsendable):
        encode(value)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"path": "/x", "method": "POST", "data": {"a": [1, math.nan]}}, "data.a.1"),
        ({"path": "/x", "method": "POST", "data": {"when": {1, 2}}}, "data.when"),
        ({"path": "/x", "method": "POST", "extra_body": {"t": math.inf}}, "extra_body.t"),
    ],
)
def test_raw_input_json_cannot_carry_is_invalid_input_naming_the_field(
    face: Face, server: ScriptedServer, params: dict[str, Any], field: str
) -> None:
    conn = {"provider": "openai", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
    with pytest.raises(InvalidInput) as caught:
        face.run("raw.request", params, **conn)
    assert caught.value.field == field
    assert field in caught.value.message
    assert server.requests == []
