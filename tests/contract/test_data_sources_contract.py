"""Azure "On Your Data": chat.create with data_sources, against the Azure 2024-10-21 spec.

Every source type and authentication option the spec defines is sent once to the Azure
Prism. Prism checks only ``data_sources[].type`` there: the items' schema is the
discriminator's base (``azureChatExtensionConfiguration``, just ``type``) and Prism does not
follow discriminator mappings, so a source with a bad ``strictness`` or authentication gets
through (``test_prism_checks_only_the_source_type`` records that). So each data_sources
entry the connector actually sent (recorded at the transport) is also validated here
against the spec's member schema for its type, with the spec's ``authentication`` and
``embedding_dependency`` choices resolved by their ``type`` as the discriminator says.
The spec's schemas are open (no ``additionalProperties: false``): misspelt nested fields
are refused by the connector's own models (tests/operations/test_data_sources.py).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema
import pytest
import urllib3
import yaml
from prism_mock import AZURE_KEY, PrismServer, shared_file
from spec_checks import NO_RETRY, assert_valid, capture, stream_valid, violations

from openai_connector import Connector, InvalidInput
from openai_connector.transport.request import HttpRequest, HttpResponse, SyncStream
from openai_connector.transport.sync import Urllib3Transport

AZURE_SPEC = "specs/azure-openai-inference-2024-10-21.yaml"
SCHEMAS = "#/components/schemas/"


class RecordingTransport:
    """The real transport, keeping each request body it sent."""

    def __init__(self) -> None:
        self.inner = Urllib3Transport()
        self.bodies: list[Any] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.bodies.append(json.loads(request.content or b"null"))
        return self.inner.send(request)

    def open_stream(self, request: HttpRequest) -> SyncStream:
        self.bodies.append(json.loads(request.content or b"null"))
        return self.inner.open_stream(request)

    def close(self) -> None:
        self.inner.close()


def _dispatch_by_type(node: Any, schemas: dict[str, Any]) -> None:
    """Rewrite ``oneOf`` of discriminated members into if/then on ``type``, in place."""
    if isinstance(node, list):
        for item in node:
            _dispatch_by_type(item, schemas)
        return
    if not isinstance(node, dict):
        return
    members = node.get("oneOf")
    if isinstance(members, list) and all("$ref" in m for m in members):
        names = [m["$ref"].removeprefix(SCHEMAS) for m in members]
        values = [schemas[n].get("x-ms-discriminator-value") for n in names]
        if all(values):
            del node["oneOf"]
            node["required"] = ["type"]
            node["properties"] = {"type": {"enum": values}}
            node["allOf"] = [
                {"if": {"properties": {"type": {"const": v}}}, "then": {"$ref": SCHEMAS + n}}
                for v, n in zip(values, names, strict=True)
            ]
    for value in list(node.values()):
        _dispatch_by_type(value, schemas)


@cache
def _components() -> dict[str, Any]:
    spec = yaml.safe_load(shared_file(AZURE_SPEC).read_text(encoding="utf-8"))
    components = copy.deepcopy(spec["components"])
    _dispatch_by_type(components["schemas"], components["schemas"])
    return components


def spec_problems(source: dict[str, Any]) -> list[str]:
    """What the spec's schema for this source's type says is wrong with it."""
    components = _components()
    mapping = components["schemas"]["azureChatExtensionConfiguration"]["discriminator"]["mapping"]
    if source.get("type") not in mapping:
        return [f"type {source.get('type')!r} is not one of {sorted(mapping)}"]
    schema = {"components": components, "$ref": mapping[source["type"]]}
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(source)]


def run_recorded(connection: dict[str, Any], params: dict[str, Any]) -> list[Any]:
    """Run chat.create, assert Prism accepted it; the data_sources that were sent."""
    transport = RecordingTransport()
    with Connector(**{"retry": NO_RETRY, **connection}, transport=transport) as connector:
        assert_valid(capture(lambda: connector.run("chat.create", params)))
    (body,) = transport.bodies
    sent: list[Any] = body["data_sources"]
    for source in sent:
        assert not spec_problems(source), spec_problems(source)
    return sent


SEARCH = "https://docs-search.search.windows.net"
EMBEDDINGS = "https://res.openai.azure.com/openai/deployments/ada/embeddings"
IDENTITY = (
    "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
    "userAssignedIdentities/chat"
)


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


def cosmos(embedding: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "azure_cosmos_db",
        "parameters": {
            "authentication": {
                "type": "connection_string",
                "connection_string": "mongodb+srv://user:pw@cluster.mongocluster.cosmos.azure.com",
            },
            "database_name": "hr",
            "container_name": "docs",
            "index_name": "vectors",
            "fields_mapping": {
                "content_fields": ["text"],
                "vector_fields": ["embedding"],
                "title_field": "title",
                "url_field": "url",
                "filepath_field": "path",
                "content_fields_separator": "\n",
            },
            "embedding_dependency": embedding,
            "top_n_documents": 5,
            "in_scope": True,
            "strictness": 3,
            "role_information": "You answer HR questions.",
        },
    }


ENDPOINT_EMBEDDING = {
    "type": "endpoint",
    "endpoint": EMBEDDINGS,
    "authentication": {"type": "api_key", "key": "embedding-key"},
}
DEPLOYMENT_EMBEDDING = {"type": "deployment_name", "deployment_name": "ada-002"}

SOURCES = {
    "azure_search api_key": search({"type": "api_key", "key": "search-key"}),
    "azure_search system identity": search({"type": "system_assigned_managed_identity"}),
    "azure_search user identity": search(
        {"type": "user_assigned_managed_identity", "managed_identity_resource_id": IDENTITY}
    ),
    "azure_search all parameters": search(
        {"type": "system_assigned_managed_identity"},
        top_n_documents=5,
        in_scope=True,
        strictness=4,
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
        embedding_dependency=DEPLOYMENT_EMBEDDING,
    ),
    "azure_search endpoint vectorization": search(
        {"type": "api_key", "key": "search-key"},
        query_type="vector",
        embedding_dependency=ENDPOINT_EMBEDDING,
    ),
    "azure_cosmos_db deployment vectorization": cosmos(DEPLOYMENT_EMBEDDING),
    "azure_cosmos_db endpoint vectorization": cosmos(ENDPOINT_EMBEDDING),
}


@pytest.mark.parametrize("name", list(SOURCES))
def test_source_is_valid(azure_prism: dict[str, Any], name: str) -> None:
    sent = run_recorded(
        azure_prism,
        {"deployment": "gpt-4o", "prompt": "How many holidays?", "data_sources": [SOURCES[name]]},
    )
    assert sent == [SOURCES[name]]


@pytest.mark.parametrize(
    "source",
    [
        search({"type": "system_assigned_managed_identity"}, strictness=9),
        search({"type": "api_key"}),
        search({"type": "connection_string", "connection_string": "x"}),
        {"type": "azure_cosmos_db", "parameters": {"index_name": "i"}},
    ],
    ids=["strictness 9", "api_key without key", "search with connection string", "cosmos half"],
)
def test_the_spec_check_here_is_live(source: dict[str, Any]) -> None:
    assert spec_problems(source)


def test_two_sources_and_a_conversation(azure_prism: dict[str, Any]) -> None:
    sources = [SOURCES["azure_search api_key"], SOURCES["azure_cosmos_db deployment vectorization"]]
    sent = run_recorded(
        azure_prism,
        {
            "deployment": "gpt-4o",
            "system": "Cite your sources.",
            "history": [
                {"role": "user", "content": "Holidays?"},
                {"role": "assistant", "content": "25 days [doc1]."},
            ],
            "prompt": "And carry-over?",
            "temperature": 0,
            "max_tokens": 200,
            "data_sources": sources,
        },
    )
    assert sent == sources


def test_streamed_with_data_sources(azure_prism: dict[str, Any]) -> None:
    result = stream_valid(
        azure_prism,
        "chat.create",
        {
            "deployment": "gpt-4o",
            "prompt": "Holidays?",
            "data_sources": [SOURCES["azure_search system identity"]],
        },
    )
    assert result.extra.get("streamed") is True


def azure_post(server: PrismServer, data_sources: Any) -> urllib3.BaseHTTPResponse:
    body = {"messages": [{"role": "user", "content": "x"}], "data_sources": data_sources}
    return urllib3.request(
        "POST",
        server.url + "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
        body=json.dumps(body).encode(),
        headers={"content-type": "application/json", "api-key": AZURE_KEY},
        retries=False,
        timeout=30,
    )


def test_prism_checks_only_the_source_type(azure_prism_server: PrismServer) -> None:
    """Sent raw. An unknown type gets 422; strictness 9 (the spec says 1..5) gets through:
    this is why the sent sources are also checked against the spec here."""
    response = azure_post(azure_prism_server, [{"type": "elasticsearch", "parameters": {}}])
    found = violations(response.status, dict(response.headers), response.data)
    assert response.status == 422 and any("type" in line for line in found), found
    loose = search({"type": "system_assigned_managed_identity"}, strictness=9)
    assert azure_post(azure_prism_server, [loose]).status == 200  # a known gap in Prism


def test_connector_refuses_the_same_before_sending(
    azure_prism: dict[str, Any], azure_prism_server: PrismServer
) -> None:
    before = azure_prism_server.requests_received()
    source = search({"type": "system_assigned_managed_identity"}, strictness=9)
    with (
        Connector(**{"retry": NO_RETRY, **azure_prism}) as connector,
        pytest.raises(InvalidInput) as caught,
    ):
        connector.run(
            "chat.create", {"deployment": "gpt-4o", "prompt": "x", "data_sources": [source]}
        )
    assert caught.value.field == "data_sources.0.parameters.strictness"
    assert azure_prism_server.requests_received() == before
