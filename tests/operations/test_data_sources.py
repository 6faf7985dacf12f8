"""Azure "On Your Data": data_sources on chat.create, checked against the 2024-10-21 spec,
sent unchanged on Azure, refused elsewhere; citations come back in the body, streamed too."""

from __future__ import annotations

import copy
import json
import logging
import subprocess
import sys
from typing import Any

import pytest

from openai_connector import Connector, InvalidInput, UnsupportedOperation
from openai_connector.errors import BadRequest
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

MODELS = "openai_connector.operations.data_sources"

AZURE_KEY = "azure-key-0123456789abcdef"
SEARCH_KEY = "search-key-5ecret-0042"
SEARCH = "https://docs-search.search.windows.net"
EMBEDDINGS = "https://res.openai.azure.com/openai/deployments/ada/embeddings"


def azure(server: ScriptedServer, **fields: Any) -> Connector:
    return Connector(provider="azure", endpoint=server.url, api_key=AZURE_KEY, **fields)


def search(authentication: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    return {
        "type": "azure_search",
        "parameters": {
            "endpoint": SEARCH,
            "index_name": "handbook",
            "authentication": authentication,
            **parameters,
        },
    }


def cosmos(**changes: Any) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "authentication": {"type": "connection_string", "connection_string": "mongodb+srv://x"},
        "database_name": "db",
        "container_name": "docs",
        "index_name": "vectors",
        "fields_mapping": {"content_fields": ["text"], "vector_fields": ["embedding"]},
        "embedding_dependency": {"type": "deployment_name", "deployment_name": "ada"},
    }
    parameters.update(changes)
    return {"type": "azure_cosmos_db", "parameters": parameters}


VALID_SOURCES = {
    "search api_key": search({"type": "api_key", "key": "k" * 32}),
    "search system identity": search({"type": "system_assigned_managed_identity"}),
    "search user identity": search(
        {
            "type": "user_assigned_managed_identity",
            "managed_identity_resource_id": "/subscriptions/s/resourceGroups/g/providers/"
            "Microsoft.ManagedIdentity/userAssignedIdentities/id",
        }
    ),
    "search with everything": search(
        {"type": "system_assigned_managed_identity"},
        top_n_documents=5,
        in_scope=True,
        strictness=3,
        role_information="You answer HR questions.",
        fields_mapping={
            "title_field": "title",
            "url_field": "url",
            "filepath_field": "path",
            "content_fields": ["content"],
            "content_fields_separator": "\n",
            "vector_fields": ["contentVector"],
        },
        query_type="vector_semantic_hybrid",
        semantic_configuration="default",
        filter="department eq 'HR'",
        embedding_dependency={
            "type": "endpoint",
            "endpoint": EMBEDDINGS,
            "authentication": {"type": "api_key", "key": "e" * 32},
        },
    ),
    "cosmos connection string": cosmos(),
    "cosmos endpoint vectorization": cosmos(
        embedding_dependency={
            "type": "endpoint",
            "endpoint": EMBEDDINGS,
            "authentication": {"type": "api_key", "key": "e" * 32},
        },
        top_n_documents=3,
        strictness=1,
    ),
}


@pytest.mark.parametrize("name", list(VALID_SOURCES))
def test_each_source_type_and_authentication_is_sent_unchanged(
    server: ScriptedServer, name: str
) -> None:
    server.script(Reply(json=chat_body()))
    source = VALID_SOURCES[name]
    azure(server).run(
        "chat.create", {"model": "gpt-4o", "prompt": "Holidays?", "data_sources": [source]}
    )
    sent = server.requests[0]
    assert sent.path == "/openai/deployments/gpt-4o/chat/completions"
    assert sent.query == {"api-version": "2024-10-21"}
    assert sent.json == {
        "messages": [{"role": "user", "content": "Holidays?"}],
        "data_sources": [source],
    }


def test_several_sources_in_one_call(server: ScriptedServer) -> None:
    server.script(Reply(json=chat_body()))
    sources = [VALID_SOURCES["search api_key"], VALID_SOURCES["cosmos connection string"]]
    azure(server).run("chat.create", {"model": "gpt-4o", "prompt": "x", "data_sources": sources})
    assert server.requests[0].json["data_sources"] == sources


def with_change(source: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``source`` with the value at the dotted ``path`` replaced (None: removed)."""
    changed = copy.deepcopy(source)
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return changed


BAD_SOURCES = [
    # (description, source, field named)
    ("unknown type", with_change(cosmos(), "type", "elasticsearch"), "data_sources.0.type"),
    ("no type", with_change(cosmos(), "type", None), "data_sources.0.type"),
    ("no parameters", with_change(cosmos(), "parameters", None), "data_sources.0.parameters"),
    (
        "search with a connection string",
        search({"type": "connection_string", "connection_string": "x"}),
        "data_sources.0.parameters.authentication.type",
    ),
    (
        "search with an unknown authentication",
        search({"type": "access_token", "access_token": "x"}),
        "data_sources.0.parameters.authentication.type",
    ),
    (
        "search api_key without the key",
        search({"type": "api_key"}),
        "data_sources.0.parameters.authentication.key",
    ),
    (
        "search user identity without its id",
        search({"type": "user_assigned_managed_identity"}),
        "data_sources.0.parameters.authentication.managed_identity_resource_id",
    ),
    (
        "search system identity with a key",
        search({"type": "system_assigned_managed_identity", "key": "x"}),
        "data_sources.0.parameters.authentication.key",
    ),
    (
        "cosmos with an api key",
        cosmos(authentication={"type": "api_key", "key": "x"}),
        "data_sources.0.parameters.authentication.type",
    ),
    (
        "cosmos with a managed identity",
        cosmos(authentication={"type": "system_assigned_managed_identity"}),
        "data_sources.0.parameters.authentication.type",
    ),
    (
        "search endpoint not a URL",
        search({"type": "system_assigned_managed_identity"}, endpoint="docs-search"),
        "data_sources.0.parameters.endpoint",
    ),
    (
        "search without an index",
        with_change(
            search({"type": "system_assigned_managed_identity"}), "parameters.index_name", None
        ),
        "data_sources.0.parameters.index_name",
    ),
    (
        "strictness above 5",
        search({"type": "system_assigned_managed_identity"}, strictness=6),
        "data_sources.0.parameters.strictness",
    ),
    (
        "unknown query type",
        search({"type": "system_assigned_managed_identity"}, query_type="fuzzy"),
        "data_sources.0.parameters.query_type",
    ),
    (
        "a field the spec does not define",
        search({"type": "system_assigned_managed_identity"}, top_n=3),
        "data_sources.0.parameters.top_n",
    ),
    (
        "cosmos without vector fields",
        cosmos(fields_mapping={"content_fields": ["text"]}),
        "data_sources.0.parameters.fields_mapping.vector_fields",
    ),
    (
        "cosmos without an embedding dependency",
        with_change(cosmos(), "parameters.embedding_dependency", None),
        "data_sources.0.parameters.embedding_dependency",
    ),
    (
        "embedding endpoint without authentication",
        cosmos(embedding_dependency={"type": "endpoint", "endpoint": EMBEDDINGS}),
        "data_sources.0.parameters.embedding_dependency.authentication",
    ),
    (
        "unknown vectorization",
        cosmos(embedding_dependency={"type": "model_id", "model_id": "m"}),
        "data_sources.0.parameters.embedding_dependency.type",
    ),
]


@pytest.mark.parametrize(
    ("source", "field"), [(s, f) for _, s, f in BAD_SOURCES], ids=[d for d, _, _ in BAD_SOURCES]
)
def test_bad_sources_are_refused_naming_the_field(
    server: ScriptedServer, source: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        azure(server).run(
            "chat.create", {"model": "gpt-4o", "prompt": "x", "data_sources": [source]}
        )
    assert caught.value.field == field, caught.value.errors
    assert field in str(caught.value)
    assert server.requests == []


def test_the_second_entry_is_named_by_its_index(server: ScriptedServer) -> None:
    sources = [VALID_SOURCES["search api_key"], cosmos(strictness=0)]
    with pytest.raises(InvalidInput) as caught:
        azure(server).run("chat.create", {"model": "m", "prompt": "x", "data_sources": sources})
    assert caught.value.field == "data_sources.1.parameters.strictness"
    assert server.requests == []


def test_data_sources_must_be_a_list(server: ScriptedServer) -> None:
    with pytest.raises(InvalidInput) as caught:
        azure(server).run(
            "chat.create",
            {"model": "m", "prompt": "x", "data_sources": VALID_SOURCES["search api_key"]},
        )
    assert caught.value.field == "data_sources"
    assert server.requests == []


def test_openai_refuses_data_sources_before_sending(server: ScriptedServer) -> None:
    openai = Connector(provider="compatible", base_url=server.url + "/v1", api_key="sk-test1234")
    with pytest.raises(UnsupportedOperation, match="Azure OpenAI feature"):
        openai.run(
            "chat.create",
            {"model": "m", "prompt": "x", "data_sources": [VALID_SOURCES["search api_key"]]},
        )
    assert server.requests == []


def test_preview_versions_send_what_the_stable_spec_does_not_know(server: ScriptedServer) -> None:
    server.default = Reply(json=chat_body())
    preview = azure(server, api_version="2024-10-01-preview")
    elastic = {
        "type": "elasticsearch",
        "parameters": {
            "endpoint": "https://es.example.com",
            "index_name": "docs",
            "authentication": {"type": "encoded_api_key", "encoded_api_key": "abc"},
        },
    }
    token = search({"type": "access_token", "access_token": "t"}, include_contexts=["citations"])
    preview.run("chat.create", {"model": "m", "prompt": "x", "data_sources": [elastic, token]})
    assert server.requests[0].json["data_sources"] == [elastic, token]
    # what the spec does define is still checked
    with pytest.raises(InvalidInput) as caught:
        preview.run(
            "chat.create",
            {"model": "m", "prompt": "x", "data_sources": [search({"type": "api_key"})]},
        )
    assert caught.value.field == "data_sources.0.parameters.authentication.key"
    assert len(server.requests) == 1


def test_secret_references_are_resolved_and_redacted(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SEARCH_KEY", SEARCH_KEY)
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    server.script(
        Reply(
            status=400,
            json={"error": {"code": "BadRequest", "message": f"key {SEARCH_KEY} was refused"}},
        )
    )
    source = search({"type": "api_key", "key": "{{secrets.SEARCH_KEY}}"})
    with pytest.raises(BadRequest) as caught:
        azure(server, retry={"max_retries": 0}).run(
            "chat.create", {"model": "m", "prompt": "x", "data_sources": [source]}
        )
    sent = server.requests[0].json
    assert sent["data_sources"][0]["parameters"]["authentication"]["key"] == SEARCH_KEY
    assert SEARCH_KEY not in str(caught.value)
    assert SEARCH_KEY not in str(caught.value.to_dict())
    assert "key *** was refused" in str(caught.value)
    assert "request attempt=1" in caplog.text
    assert SEARCH_KEY not in caplog.text


def test_keys_given_in_plain_text_are_redacted_too(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_connector")
    plain = "plain-cosmos-connection-string-77"
    embedding_key = "plain-embedding-key-88"
    source = cosmos(
        authentication={"type": "connection_string", "connection_string": plain},
        embedding_dependency={
            "type": "endpoint",
            "endpoint": EMBEDDINGS,
            "authentication": {"type": "api_key", "key": embedding_key},
        },
    )
    server.script(Reply(status=400, json={"error": {"message": f"bad {plain} / {embedding_key}"}}))
    with pytest.raises(BadRequest) as caught:
        azure(server, retry={"max_retries": 0}).run(
            "chat.create", {"model": "m", "prompt": "x", "data_sources": [source]}
        )
    assert server.requests[0].json["data_sources"] == [source]  # sent as given
    for secret in (plain, embedding_key):
        assert secret not in str(caught.value.to_dict())
        assert secret not in caplog.text
    assert "request attempt=1" in caplog.text


# ------------------------------------------------------------------ citations

CONTEXT = {
    "citations": [
        {
            "content": "Staff get 25 days of paid holiday.",
            "title": "Holidays",
            "url": "https://intranet/holidays",
            "filepath": "holidays.md",
            "chunk_id": "0",
        },
        {"content": "Unused days carry over until March.", "title": "Carry-over"},
    ],
    "intent": '["paid holiday allowance"]',
}


def azure_body(text: str) -> dict[str, Any]:
    body = chat_body(text, model="gpt-4o")
    body["choices"][0]["message"]["context"] = CONTEXT
    return body


def test_citations_come_back_unchanged(server: ScriptedServer) -> None:
    server.script(Reply(json=azure_body("25 days [doc1].")))
    result = azure(server).run(
        "chat.create",
        {
            "model": "gpt-4o",
            "prompt": "Holidays?",
            "data_sources": [VALID_SOURCES["cosmos connection string"]],
        },
    )
    assert result.body == azure_body("25 days [doc1].")
    assert result.body["choices"][0]["message"]["context"] == CONTEXT
    assert result.text == "25 days [doc1]."


def streamed_with_context(split: bool) -> list[dict[str, Any]]:
    events = chat_chunks(["25 days", " [doc1]."])
    first = events[0]["choices"][0]["delta"]
    if split:  # citations spread over two events, the intent in a third
        first["context"] = {"citations": CONTEXT["citations"][:1]}
        extra = copy.deepcopy(events[0])
        extra["choices"][0]["delta"] = {"context": {"citations": CONTEXT["citations"][1:]}}
        intent = copy.deepcopy(events[0])
        intent["choices"][0]["delta"] = {"context": {"intent": CONTEXT["intent"]}}
        events[1:1] = [extra, intent]
    else:
        first["context"] = CONTEXT
    return events


@pytest.mark.parametrize("split", [False, True], ids=["one event", "spread over events"])
def test_streamed_citations_are_merged_into_the_message(
    server: ScriptedServer, split: bool
) -> None:
    server.script(Reply(events=streamed_with_context(split)))
    stream = azure(server).stream(
        "chat.create",
        {
            "model": "gpt-4o",
            "prompt": "Holidays?",
            "data_sources": [VALID_SOURCES["search api_key"]],
        },
    )
    texts = [chunk.text for chunk in stream if chunk.text]
    assert texts == ["25 days", " [doc1]."]
    assert stream.result is not None
    message = stream.result.body["choices"][0]["message"]
    assert message["content"] == "25 days [doc1]."
    assert message["context"] == CONTEXT
    assert server.requests[0].json["stream"] is True
    assert server.requests[0].json["data_sources"] == [VALID_SOURCES["search api_key"]]


def test_schema_lists_the_source_types() -> None:
    from openai_connector.operations.registry import get

    schema = get("chat.create").input.model_json_schema()
    definitions = schema["$defs"]
    assert {"AzureSearchSource", "AzureCosmosDBSource"} <= set(definitions)
    auth = str(definitions["AzureSearchParameters"]["properties"]["authentication"])
    for kind in (
        "ApiKeyAuthentication",
        "SystemAssignedIdentityAuthentication",
        "UserAssignedIdentityAuthentication",
    ):
        assert kind in auth


def test_a_first_process_checks_data_sources_as_strictly_when_its_models_load_late(
    server: ScriptedServer,
) -> None:
    """A chat without data_sources does not build their models; the first one that gives
    data_sources in that process is checked as strictly (refused before sending)."""
    server.default = Reply(json=chat_body("Bonjour"))
    bad = cosmos(strictness=0)
    code = f"""
import json, sys
from openai_connector import Connector, InvalidInput
connector = Connector(provider="azure", endpoint={server.url!r}, api_key={AZURE_KEY!r})
connector.run("chat.create", {{"model": "m", "prompt": "x"}})
loaded_before = {MODELS!r} in sys.modules
try:
    connector.run("chat.create", {{"model": "m", "prompt": "x", "data_sources": [{bad!r}]}})
    field = None
except InvalidInput as exc:
    field = exc.field
print(json.dumps([loaded_before, field]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded_before, field = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded_before is False
    assert field == "data_sources.0.parameters.strictness"
    assert len(server.requests) == 1  # the plain chat only: the bad one was not sent
