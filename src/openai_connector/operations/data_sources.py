"""Azure OpenAI "On Your Data": the ``data_sources`` of ``chat.create``.

One model per source type and per authentication option, as the Azure OpenAI 2024-10-21
inference spec defines them (``azureChatExtensionConfiguration`` and its members):

==================  ====================================================================
source ``type``     ``parameters.authentication.type``
==================  ====================================================================
azure_search        api_key, system_assigned_managed_identity, user_assigned_managed_identity
azure_cosmos_db     connection_string
==================  ====================================================================

The vector search ``embedding_dependency`` is an ``endpoint`` (with an ``api_key``) or a
``deployment_name``. Unknown fields are refused on stable api-versions. A preview
api-version may define more (other source types such as Elasticsearch or Pinecone, other
authentication types, more parameters) that the 2024-10-21 spec does not describe: there,
unknown source types, authentication types and fields are sent as given, while the fields
the spec does describe are still checked.

Values are sent as given (after ``{{secrets.NAME}}`` references are resolved, which also
registers them for redaction); validation only checks them.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..errors import InvalidInput
from .limits import MAX_COUNT

SOURCE_TYPES = ("azure_search", "azure_cosmos_db")
SECRET_FIELDS = frozenset(
    {"key", "connection_string", "access_token", "encoded_api_key", "password"}
)
"""Authentication fields holding a secret (the last three are preview api-versions')."""
PREVIEW_TOLERATED = frozenset({"extra_forbidden", "union_tag_invalid"})
"""Validation errors that a preview api-version may legitimately cause (see the docstring)."""


def _absolute_url(value: str) -> str:
    scheme, _, rest = value.partition("://")
    if scheme not in ("https", "http") or not rest.strip("/"):
        raise ValueError("give the absolute URL, e.g. https://NAME.search.windows.net")
    return value


Url = Annotated[str, AfterValidator(_absolute_url)]
Name = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- authentication


class ApiKeyAuthentication(_Strict):
    type: Literal["api_key"]
    key: Name = Field(description="The key; use {{secrets.NAME}} to keep it out of configs")


class ConnectionStringAuthentication(_Strict):
    type: Literal["connection_string"]
    connection_string: Name


class SystemAssignedIdentityAuthentication(_Strict):
    type: Literal["system_assigned_managed_identity"]


class UserAssignedIdentityAuthentication(_Strict):
    type: Literal["user_assigned_managed_identity"]
    managed_identity_resource_id: Name = Field(
        description="Resource ID of the user-assigned managed identity"
    )


SearchAuthentication = Annotated[
    ApiKeyAuthentication
    | SystemAssignedIdentityAuthentication
    | UserAssignedIdentityAuthentication,
    Field(discriminator="type"),
]


# ------------------------------------------------------------------ vectorization


class EndpointVectorization(_Strict):
    type: Literal["endpoint"]
    endpoint: Url = Field(description="The embeddings endpoint of an Azure OpenAI deployment")
    authentication: ApiKeyAuthentication


class DeploymentNameVectorization(_Strict):
    type: Literal["deployment_name"]
    deployment_name: Name = Field(description="An embeddings deployment in the same resource")


EmbeddingDependency = Annotated[
    EndpointVectorization | DeploymentNameVectorization, Field(discriminator="type")
]


# ------------------------------------------------------------------- field mapping


class SearchFieldsMapping(_Strict):
    title_field: str | None = None
    url_field: str | None = None
    filepath_field: str | None = None
    content_fields: list[str] | None = None
    content_fields_separator: str | None = None
    vector_fields: list[str] | None = None


class CosmosFieldsMapping(SearchFieldsMapping):
    content_fields: list[str]
    vector_fields: list[str]


# -------------------------------------------------------------------- the sources


class _Retrieval(_Strict):
    """Parameters every source type shares."""

    top_n_documents: int | None = Field(
        None, ge=1, le=MAX_COUNT, description="How many documents to use"
    )
    in_scope: bool | None = Field(None, description="Answer only from the indexed data")
    strictness: int | None = Field(None, ge=1, le=5, description="Relevance filtering, 1 to 5")
    role_information: str | None = Field(
        None, description="Instructions for the model (counts against a 100-token limit)"
    )


class AzureSearchParameters(_Retrieval):
    authentication: SearchAuthentication
    endpoint: Url = Field(description="The Azure AI Search endpoint")
    index_name: Name
    fields_mapping: SearchFieldsMapping | None = None
    query_type: (
        Literal["simple", "semantic", "vector", "vector_simple_hybrid", "vector_semantic_hybrid"]
        | None
    ) = None
    semantic_configuration: str | None = None
    filter: str | None = None
    embedding_dependency: EmbeddingDependency | None = None


class AzureSearchSource(_Strict):
    """Azure AI Search."""

    type: Literal["azure_search"]
    parameters: AzureSearchParameters


class AzureCosmosDBParameters(_Retrieval):
    authentication: ConnectionStringAuthentication
    database_name: Name
    container_name: Name
    index_name: Name
    fields_mapping: CosmosFieldsMapping
    embedding_dependency: EmbeddingDependency


class AzureCosmosDBSource(_Strict):
    """Azure Cosmos DB for MongoDB vCore."""

    type: Literal["azure_cosmos_db"]
    parameters: AzureCosmosDBParameters


DataSource = Annotated[AzureSearchSource | AzureCosmosDBSource, Field(discriminator="type")]
"""One entry of ``data_sources``."""


@cache
def _adapter() -> TypeAdapter[list[DataSource]]:
    return TypeAdapter(list[DataSource])


_UNION_TAGS: dict[str, frozenset[str]] = {
    "authentication": frozenset(
        {"api_key", "system_assigned_managed_identity", "user_assigned_managed_identity"}
    ),
    "embedding_dependency": frozenset({"endpoint", "deployment_name"}),
}


def _path(loc: tuple[int | str, ...]) -> str:
    """``data_sources.0.parameters.authentication.key``: without pydantic's union tags."""
    parts: list[str] = ["data_sources"]
    previous: int | str | None = None
    for part in loc:
        if isinstance(previous, int) and len(parts) == 2:
            is_tag = part in SOURCE_TYPES
        else:
            is_tag = isinstance(previous, str) and part in _UNION_TAGS.get(previous, ())
        if not is_tag:
            parts.append(str(part))
        previous = part
    return ".".join(parts)


def _error(error: Any) -> dict[str, str]:
    field, message = _path(error["loc"]), str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "union_tag_invalid":
        field += ".type"
        expected = str(error["ctx"]["expected_tags"]).replace("'", "")
        message = (
            f"{error['ctx']['tag']!r} is not one of {expected} (Azure api_version 2024-10-21); "
            "with a preview api_version, other types are sent unchecked"
        )
    elif error["type"] == "union_tag_not_found":
        field += ".type"
        message = "required: the type of this entry"
    return {"field": field, "message": message, "type": error["type"]}


def check_data_sources(value: Any, *, preview: bool) -> list[Any]:
    """The entries as given, once they passed the spec's rules; else InvalidInput.

    ``preview``: the connection uses a preview api-version (see the module docstring).
    """
    try:
        _adapter().validate_python(value)
    except ValidationError as exc:
        errors = [
            _error(error)
            for error in exc.errors(include_url=False, include_input=False)
            if not (preview and error["type"] in PREVIEW_TOLERATED)
        ]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise InvalidInput(
                f"chat.create: {first['field']}: {first['message']}{more}",
                field=first["field"],
                errors=errors,
                hint="see 'openai-connector operations show chat.create' for data_sources",
            ) from None
    return list(value)


def credentials(value: Any) -> list[str]:
    """Every secret in the entries' ``authentication`` objects, however deep (for redaction)."""
    found: list[str] = []
    if isinstance(value, dict):
        auth = value.get("authentication")
        if isinstance(auth, dict):
            found += [v for k, v in auth.items() if k in SECRET_FIELDS and isinstance(v, str)]
        for item in value.values():
            found += credentials(item)
    elif isinstance(value, list):
        for item in value:
            found += credentials(item)
    return found
