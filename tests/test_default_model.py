"""Which model a call uses when it names none, and where the connector's settings come from."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from click.testing import CliRunner

from faces import Face
from openai_connector import AsyncConnector, Connector, InvalidInput
from openai_connector.cli.exit_codes import exit_code_of
from openai_connector.cli.main import cli
from openai_connector.constants import DEFAULT_MODEL, DEFAULT_MODELS
from openai_connector.errors import AuthenticationFailed, ConfigError, InvalidResponse
from scripted_server import Recorded, Reply, ScriptedServer, chat_body

MODELS = {"object": "list", "data": [{"id": "llama-3.2-1b", "object": "model"}]}


def api(request: Recorded) -> Reply:
    """A server listing the documented default model, and answering chats."""
    if request.path == "/v1/models":
        return Reply(json={"data": [{"id": DEFAULT_MODEL}]})
    return Reply(json=chat_body())


def compatible(server: ScriptedServer) -> dict[str, Any]:
    return {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}


def openai(server: ScriptedServer) -> dict[str, Any]:
    return {"provider": "openai", "base_url": server.url + "/v1", "api_key": "sk-test1234"}


def test_the_default_is_in_the_official_spec() -> None:
    import os
    from pathlib import Path

    spec = Path(os.environ.get("OPENAI_CONNECTOR_SHARED", "../shared")) / "specs"
    path = spec / "openai-openapi.json"
    if not path.is_file():
        pytest.skip("the official spec is not here")
    assert f'"{DEFAULT_MODEL}"' in path.read_text()
    assert DEFAULT_MODEL == "gpt-5-mini"


def test_openai_uses_the_documented_default() -> None:
    from openai_connector.connection import Connection
    from openai_connector.operations.base import Context
    from openai_connector.operations.registry import get

    for base_url in (None, "https://api.openai.com/v1"):
        context = Context(Connection(base_url=base_url))
        assert context.model(None) == DEFAULT_MODEL == "gpt-5-mini"
        assert context.model(None, kind="embedding") == DEFAULT_MODELS["embedding"]
        chat = get("chat.create")
        spec = chat.request(chat.input.model_validate({"prompt": "hi"}), context)
        assert spec.json["model"] == DEFAULT_MODEL


def test_another_openai_url_is_asked_for_its_models(face: Face, server: ScriptedServer) -> None:
    # an OpenAI base_url elsewhere (a proxy, a gateway): the default when it is offered
    listed = {"data": [{"id": "gpt-4o"}, {"id": DEFAULT_MODEL}, {"id": "text-embedding-3-small"}]}
    server.script(Reply(json=listed))
    server.default = Reply(json=chat_body())
    face.run("chat.create", {"prompt": "hi"}, **openai(server))
    assert [r.path for r in server.requests] == ["/v1/models", "/v1/chat/completions"]
    assert server.requests[1].json["model"] == DEFAULT_MODEL


def test_default_model_setting_and_environment_win(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.default = Reply(json=chat_body())
    face.run("chat.create", {"prompt": "hi"}, **compatible(server), default_model="set")
    monkeypatch.setenv("OPENAI_CONNECTOR_DEFAULT_MODEL", "from-env")
    face.run("chat.create", {"prompt": "hi"}, **compatible(server))
    face.run("chat.create", {"prompt": "hi", "model": "named"}, **compatible(server))
    assert [r.json["model"] for r in server.requests] == ["set", "from-env", "named"]


def test_a_server_with_one_model_gets_it_listed_once(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(json=MODELS))
    server.default = Reply(json=chat_body())
    options = face._options(compatible(server))

    async def twice_async() -> None:
        async with AsyncConnector(**options) as connector:
            await connector.run("chat.create", {"prompt": "a"})
            await connector.run("chat.create", {"prompt": "b"})

    if face.kind == "sync":
        with Connector(**options) as connector:
            connector.run("chat.create", {"prompt": "a"})
            connector.run("chat.create", {"prompt": "b"})
    else:
        asyncio.run(twice_async())
    assert [r.path for r in server.requests] == ["/v1/models", *["/v1/chat/completions"] * 2]
    assert {r.json["model"] for r in server.requests[1:]} == {"llama-3.2-1b"}


def test_a_streamed_call_lists_the_models_first(face: Face, server: ScriptedServer) -> None:
    server.script(
        Reply(json=MODELS),
        Reply(events=[{"choices": [{"index": 0, "delta": {"content": "Hi"}}]}]),
    )
    texts, result = face.stream("chat.create", {"prompt": "hi"}, **compatible(server))
    assert texts == ["Hi"]
    assert result.text == "Hi"
    assert server.requests[1].json["model"] == "llama-3.2-1b"


def test_several_models_are_named_in_the_error(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(json={"data": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}))
    with pytest.raises(InvalidInput, match="offers 3 models: a, b, c") as caught:
        face.run("chat.create", {"prompt": "hi"}, **compatible(server))
    assert caught.value.field == "model"
    assert exit_code_of(caught.value) == 2
    assert [r.path for r in server.requests] == ["/v1/models"]


def test_a_server_without_a_model_list(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(status=404, json={"error": {"message": "no such route"}}))
    with pytest.raises(InvalidInput, match="did not list its models") as caught:
        face.run("chat.create", {"prompt": "hi"}, **compatible(server))
    assert caught.value.field == "model"


def test_a_refused_model_list_is_reported_as_such(face: Face, server: ScriptedServer) -> None:
    server.script(Reply(status=401, json={"error": {"message": "bad key"}}))
    with pytest.raises(AuthenticationFailed):
        face.run("chat.create", {"prompt": "hi"}, **compatible(server))


def test_azure_needs_a_deployment(face: Face, server: ScriptedServer) -> None:
    azure = {"provider": "azure", "endpoint": server.url, "api_key": "k" * 32}
    with pytest.raises(InvalidInput, match="no deployment name given") as caught:
        face.run("chat.create", {"prompt": "hi"}, **azure)
    assert caught.value.field == "model"
    with pytest.raises(InvalidInput, match="no deployment name given"):
        face.run("connection.test", {}, **azure)
    assert server.requests == []


def test_the_cli_finds_the_one_model(server: ScriptedServer) -> None:
    server.script(Reply(json=MODELS), Reply(json=chat_body("Hello there")))
    env = {"OPENAI_BASE_URL": server.url + "/v1"}
    args = ["--provider", "compatible", "chat", "--prompt", "hi", "--text"]
    result = CliRunner(env=env).invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello there\n"


def test_the_cli_names_the_models_on_offer(server: ScriptedServer) -> None:
    server.script(Reply(json={"data": [{"id": "a"}, {"id": "b"}]}))
    env = {"OPENAI_BASE_URL": server.url + "/v1"}
    result = CliRunner(env=env).invoke(cli, ["--provider", "compatible", "chat", "-p", "hi"])
    assert result.exit_code == 2
    assert "offers 2 models: a, b" in result.stderr


# ------------------------------------------------------------- the environment


def test_the_library_reads_the_environment(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.default = api
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-1234")
    face.run("chat.create", {"prompt": "hi"})
    face.run("chat.create", {"prompt": "hi"}, api_key="sk-explicit-1234")
    chats = [r for r in server.requests if r.method == "POST"]
    keys = [r.headers["authorization"] for r in chats]
    assert keys == ["Bearer sk-from-env-1234", "Bearer sk-explicit-1234"]
    assert chats[0].json["model"] == DEFAULT_MODEL


def test_the_library_reads_the_azure_environment(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.default = Reply(json=chat_body())
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "a" * 32)
    face.run("chat.create", {"prompt": "hi", "model": "dep"})
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/dep/chat/completions"
    assert sent.headers["api-key"] == "a" * 32


def test_a_bad_environment_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "not a url")
    with pytest.raises(ConfigError, match="base_url"):
        Connector()


# ------------------------------------------------------------------ answers


def test_a_chat_body_without_choices_is_invalid(face: Face, server: ScriptedServer) -> None:
    server.default = Reply(json={"id": "x", "object": "chat.completion"})
    with pytest.raises(InvalidResponse, match="no list of choices") as caught:
        face.run("chat.create", {"prompt": "hi", "model": "m"}, **openai(server))
    assert exit_code_of(caught.value) == 4
    assert caught.value.result is not None


def test_a_blank_prompt_is_refused_before_sending(face: Face, server: ScriptedServer) -> None:
    with pytest.raises(InvalidInput, match="blank") as caught:
        face.run("chat.create", {"prompt": " \n"}, **openai(server))
    assert caught.value.field == "prompt"
    assert server.requests == []


def test_transcription_text_is_the_result_text(server: ScriptedServer) -> None:
    from openai_connector.result import Result

    assert Result(200, {}, {"text": "spoken words"}).text == "spoken words"


@pytest.mark.parametrize(
    ("listed", "chosen"),
    [
        (["llama-3.2-1b"], "llama-3.2-1b"),
        (["a", DEFAULT_MODEL], DEFAULT_MODEL),
        (["a", "b"], "a"),  # a test still tries one
    ],
)
def test_connection_test_follows_the_same_rule(
    face: Face, server: ScriptedServer, listed: list[str], chosen: str
) -> None:
    server.script(Reply(json={"data": [{"id": name} for name in listed]}))
    server.default = Reply(json=chat_body())
    face.run("connection.test", {}, **compatible(server))
    assert server.requests[1].json["model"] == chosen
