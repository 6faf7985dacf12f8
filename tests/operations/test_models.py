"""models.list / models.retrieve / models.delete: paths, encoding, errors, Azure refusal."""

from __future__ import annotations

import pytest

from openai_connector import Connector, InvalidInput, UnsupportedOperation
from openai_connector.errors import NotFound
from scripted_server import Reply, ScriptedServer


def openai(server: ScriptedServer) -> Connector:
    return Connector(provider="openai", base_url=server.url + "/v1", api_key="sk-test1234")


def test_list(server: ScriptedServer) -> None:
    listing = {"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]}
    server.script(Reply(json=listing))
    result = openai(server).run("models.list")
    assert (server.requests[0].method, server.requests[0].path) == ("GET", "/v1/models")
    assert server.requests[0].body == b""
    assert result.body == listing


def test_retrieve_encodes_the_model_id_in_the_path(server: ScriptedServer) -> None:
    server.script(Reply(json={"id": "ft:gpt-4o-mini:org::abc", "object": "model"}))
    openai(server).run("models.retrieve", {"model": "ft:gpt-4o-mini:org::abc/../x"})
    assert server.requests[0].raw_path == "/v1/models/ft%3Agpt-4o-mini%3Aorg%3A%3Aabc%2F..%2Fx"
    assert server.requests[0].query == {}


def test_delete(server: ScriptedServer) -> None:
    server.script(Reply(json={"id": "ft:x", "object": "model", "deleted": True}))
    result = openai(server).run("models.delete", {"model": "ft:x"})
    assert server.requests[0].method == "DELETE"
    assert result.body["deleted"] is True


def test_unknown_model_is_not_found(server: ScriptedServer) -> None:
    server.script(
        Reply(status=404, json={"error": {"message": "no such model", "code": "model_not_found"}})
    )
    with pytest.raises(NotFound) as caught:
        openai(server).run("models.retrieve", {"model": "nope"})
    assert caught.value.hint is not None and "model name" in caught.value.hint


@pytest.mark.parametrize("bad", [{}, {"model": 5}, {"model": "x", "extra": 1}])
def test_bad_input_sends_nothing(server: ScriptedServer, bad: dict) -> None:
    with pytest.raises(InvalidInput):
        openai(server).run("models.retrieve", bad)
    assert server.requests == []


@pytest.mark.parametrize("operation", ["models.list", "models.retrieve", "models.delete"])
def test_azure_data_plane_has_no_models_api(server: ScriptedServer, operation: str) -> None:
    azure = Connector(provider="azure", endpoint=server.url, api_key="k" * 32)
    params = {} if operation == "models.list" else {"model": "gpt-4o"}
    with pytest.raises(UnsupportedOperation, match="Azure"):
        azure.run(operation, params)
    assert server.requests == []
