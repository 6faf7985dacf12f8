"""embeddings.create: texts in, vectors out; base64 vectors decoded to the exact floats."""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest

from faces import Face
from openai_connector import Connector, InvalidInput
from openai_connector.errors import InvalidResponse, RateLimited
from scripted_server import Reply, ScriptedServer

AZURE_KEY = "0123456789abcdef0123456789abcdef"
USAGE = {"prompt_tokens": 8, "total_tokens": 8}


def embeddings_body(*vectors: Any) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": vector}
            for i, vector in enumerate(vectors)
        ],
        "model": "text-embedding-3-small",
        "usage": USAGE,
    }


def packed(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()


def test_minimal_call_asks_for_base64_and_gets_floats(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    body = embeddings_body(packed([0.5, -0.25, 0.125]))
    server.script(Reply(json=body))
    result = face.run(
        "embeddings.create", {"model": "text-embedding-3-small", "input": "hello"}, **openai
    )
    sent = server.requests[0]
    assert (sent.method, sent.path) == ("POST", "/v1/embeddings")
    # as the official SDK does: base64 on the wire (3-4x smaller), floats for the caller
    assert sent.json == {
        "input": "hello",
        "model": "text-embedding-3-small",
        "encoding_format": "base64",
    }
    assert result.body == {**body, "data": [{**body["data"][0], "embedding": [0.5, -0.25, 0.125]}]}
    assert result.usage is not None and result.usage.prompt_tokens == 8
    assert result.extra["encoding"] == "base64 decoded"


@pytest.mark.parametrize("provider", ["compatible", "openai"])
def test_a_server_that_answers_floats_anyway_is_read_as_it_is(
    face: Face, server: ScriptedServer, provider: str
) -> None:
    body = embeddings_body([0.5, -0.25, 0.125])
    server.script(Reply(json=body))
    result = face.run(
        "embeddings.create",
        {"model": "nomic-embed", "input": "hello"},
        provider=provider,
        base_url=server.url + "/v1",
        api_key="sk-test",
    )
    assert server.requests[0].json["encoding_format"] == "base64"
    assert result.body == body
    assert "encoding" not in result.extra


def test_a_compatible_server_answering_base64_is_decoded(
    face: Face, server: ScriptedServer
) -> None:
    server.script(Reply(json=embeddings_body(packed([1.5, -2.0]))))
    result = face.run(
        "embeddings.create",
        {"model": "nomic-embed", "input": "hello"},
        provider="compatible",
        base_url=server.url + "/v1",
    )
    assert result.body["data"][0]["embedding"] == [1.5, -2.0]


def test_float_asked_for_is_sent_as_float_and_not_decoded(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    body = embeddings_body([0.5])
    server.script(Reply(json=body))
    result = Connector(**openai).run(
        "embeddings.create", {"model": "m", "input": "x", "encoding_format": "float"}
    )
    assert server.requests[0].json["encoding_format"] == "float"
    assert result.body == body and "encoding" not in result.extra


def test_every_parameter_is_sent_exactly(server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=embeddings_body([0.5], [1.5])))
    params = {
        "model": "text-embedding-3-large",
        "input": ["first text", "second text"],
        "dimensions": 256,
        "encoding_format": "float",
        "user": "user-1",
    }
    Connector(**openai).run("embeddings.create", params)
    assert server.requests[0].json == params


def test_token_arrays_and_the_connection_default_model(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    server.script(Reply(json=embeddings_body([0.5])), Reply(json=embeddings_body([0.5], [1.0])))
    with Connector(**openai, default_model="text-embedding-ada-002") as connector:
        connector.run("embeddings.create", {"input": [1212, 318, 257]})
        connector.run("embeddings.create", {"texts": [[1212], [318, 257]]})
    assert server.requests[0].json == {
        "input": [1212, 318, 257],
        "model": "text-embedding-ada-002",
        "encoding_format": "base64",
    }
    assert server.requests[1].json["input"] == [[1212], [318, 257]]


def test_azure_sends_to_the_deployment_without_model(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(json=embeddings_body([0.5])))
    face.run(
        "embeddings.create",
        {"model": "embed-small", "input": ["a"], "dimensions": 3},
        provider="azure",
        endpoint=server.url,
        api_key=AZURE_KEY,
    )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/embed-small/embeddings"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.json == {"input": ["a"], "dimensions": 3, "encoding_format": "base64"}


def test_base64_vectors_are_decoded_to_the_exact_float32_values(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    first = [0.1, -2.5, 1e-38, 3.4e38, -0.0, 123456.789, 0.333333]
    second = [1.0, 2.0]
    # what a float32 holds for each value, widened to a Python float without loss
    exact_first = list(struct.unpack("<7f", struct.pack("<7f", *first)))
    sent_body = embeddings_body(packed(first), packed(second))
    server.script(Reply(json=sent_body))
    result = face.run(
        "embeddings.create",
        {"model": "text-embedding-3-small", "input": ["x", "y"], "encoding_format": "base64"},
        **openai,
    )
    assert server.requests[0].json["encoding_format"] == "base64"
    assert result.body["data"][0]["embedding"] == exact_first
    assert result.body["data"][1]["embedding"] == [1.0, 2.0]
    assert all(isinstance(v, float) for v in result.body["data"][0]["embedding"])
    # everything else is as the provider sent it
    assert result.body == {
        **sent_body,
        "data": [
            {"object": "embedding", "index": 0, "embedding": exact_first},
            {"object": "embedding", "index": 1, "embedding": [1.0, 2.0]},
        ],
    }
    assert result.extra["encoding"] == "base64 decoded"
    assert result.to_dict()["meta"]["encoding"] == "base64 decoded"


def test_base64_and_float_answers_hold_the_same_vector(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    vector = [0.0023064255, -0.009327292, -0.0028842222]
    as_float32 = list(struct.unpack("<3f", struct.pack("<3f", *vector)))
    server.script(
        Reply(json=embeddings_body(packed(vector))), Reply(json=embeddings_body(as_float32))
    )
    with Connector(**openai) as connector:
        b64 = connector.run(
            "embeddings.create", {"model": "m", "input": "x", "encoding_format": "base64"}
        )
        floats = connector.run("embeddings.create", {"model": "m", "input": "x"})
    assert b64.body == floats.body


@pytest.mark.parametrize(
    "embedding",
    ["not base64!", base64.b64encode(b"\x00\x00\x80").decode()],
    ids=["not-base64", "not-whole-floats"],
)
def test_a_broken_base64_vector_is_an_invalid_response(
    server: ScriptedServer, openai: dict[str, Any], embedding: str
) -> None:
    server.script(Reply(json=embeddings_body(embedding)))
    with pytest.raises(InvalidResponse) as caught:
        Connector(**openai).run(
            "embeddings.create", {"model": "m", "input": "x", "encoding_format": "base64"}
        )
    assert "embedding 0" in str(caught.value)
    assert caught.value.result is not None and caught.value.result.status == 200


def test_error_status_raises_with_the_envelope(
    face: Face, server: ScriptedServer, openai: dict[str, Any]
) -> None:
    error = {"error": {"message": "You exceeded your quota", "code": "rate_limit_exceeded"}}
    server.default = Reply(status=429, json=error)
    with pytest.raises(RateLimited) as caught:
        face.run(
            "embeddings.create",
            {"model": "m", "input": "x"},
            **openai,
            retry={"max_retries": 0},
        )
    assert caught.value.status == 429
    assert caught.value.result.body == error
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"input": ""}, "input"),
        ({"input": []}, "input"),
        ({"input": ["fine", ""]}, "input"),
        ({"input": [[1, 2], []]}, "input"),
        ({"input": ["x"] * 2049}, "input"),
        ({"input": None}, "input"),
        ({"dimensions": 0}, "dimensions"),
        ({"encoding_format": "int8"}, "encoding_format"),
        ({"encodingformat": "float"}, "encodingformat"),
    ],
)
def test_documented_limits_are_refused_before_sending(
    server: ScriptedServer, openai: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    full = {"model": "text-embedding-3-small", "input": "x", **params}
    with pytest.raises(InvalidInput) as caught:
        Connector(**openai).run("embeddings.create", full)
    assert caught.value.field is not None
    assert caught.value.field.split(".")[0] == field
    assert field in str(caught.value)
    assert server.requests == []


def test_2048_inputs_are_accepted(server: ScriptedServer, openai: dict[str, Any]) -> None:
    server.script(Reply(json=embeddings_body([0.5])))
    Connector(**openai).run("embeddings.create", {"model": "m", "input": ["x"] * 2048})
    assert len(server.requests[0].json["input"]) == 2048


def test_floats_sent_despite_base64_are_left_alone(
    server: ScriptedServer, openai: dict[str, Any]
) -> None:
    body = embeddings_body([0.5, 1.5])
    server.script(Reply(json=body))
    result = Connector(**openai).run(
        "embeddings.create", {"model": "m", "input": "x", "encoding_format": "base64"}
    )
    assert result.body == body
    assert "encoding" not in result.extra
