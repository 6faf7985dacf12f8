"""Azure OpenAI: ``{endpoint}/openai`` with ``api-version``, deployments in the path.

Calls that run a model name a *deployment*, which goes in the path
(``/deployments/{deployment}/chat/completions``) instead of the body's ``model``; auth is an
``api-key`` header or an Entra ID bearer token; some features need a newer api-version; the
2024-10-21 data-plane API this connector targets offers fewer operations than OpenAI.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, ClassVar

from ..errors import ConfigError, ConnectorWarning, UnsupportedOperation
from .base import Provider, quote_path

if TYPE_CHECKING:
    from ..connection import Connection
    from ..operations.base import Operation, RequestSpec
    from ..secrets import SecretResolver
    from .entra import EntraTokenCommand
    from .target import Target

API_PREFIX = "/openai"
DEPLOYMENT_PREFIX = "/deployments/{deployment}"

FEATURE_VERSIONS: dict[str, tuple[str, str]] = {
    # feature: (what the message calls it, the first api-version that accepts it)
    "reasoning_effort": ("reasoning_effort", "2024-12-01-preview"),
    "store": ("store", "2024-12-01-preview"),
    "metadata": ("metadata", "2024-12-01-preview"),
    "developer role": ("a developer message", "2024-12-01-preview"),
    "timestamp_granularities": ("timestamp_granularities", "2024-12-01-preview"),
}

_DATA_PLANE = "the Azure data-plane inference API (2024-10-21)"
NOT_OFFERED: dict[str, str] = {
    # an operation id, or an area for all its operations: why Azure does not offer it
    "audio.speech": "Azure OpenAI's 2024-10-21 API has no text-to-speech endpoint; "
    "use an OpenAI connection",
    "batches": f"{_DATA_PLANE} has no batches; use Azure AI Foundry or an OpenAI connection",
    "files": f"{_DATA_PLANE} has no files endpoints; "
    "upload files in Azure AI Foundry or use an OpenAI connection",
    "fine_tuning.jobs": f"{_DATA_PLANE} has no fine-tuning; "
    "fine-tune in Azure AI Foundry or use an OpenAI connection",
    "images.edit": "Azure OpenAI's 2024-10-21 API offers image generation only (no edits or "
    "variations); use an OpenAI connection for it",
    "images.variation": "Azure OpenAI's 2024-10-21 API offers image generation only (no edits "
    "or variations); use an OpenAI connection for it",
    "models.list": "the Azure data-plane API (2024-10-21) has no model list; "
    "deployments are managed in the Azure portal",
    "models.retrieve": "the Azure data-plane API (2024-10-21) has no model lookup",
    "models.delete": "the Azure data-plane API (2024-10-21) cannot delete models",
    "moderation.create": "Azure OpenAI has no moderation endpoint (it filters content on "
    "every call; see the content_filter_results in chat responses)",
    "responses": "the Responses API is not part of the Azure OpenAI 2024-10-21 data-plane API "
    "this connector targets; Azure offers it from api-version 2025-03-01-preview "
    "(/openai/responses) and in its v1 API (/openai/v1/responses)",
}


def version_key(version: str) -> tuple[str, int]:
    """Orders versions by date; a preview comes before the stable release of the same day."""
    preview = version.endswith("-preview")
    return (version.removesuffix("-preview"), 0 if preview else 1)


def version_at_least(version: str, needed: str) -> bool:
    return version_key(version) >= version_key(needed)


class Azure(Provider):
    name: ClassVar[str] = "azure"
    label: ClassVar[str] = "Azure OpenAI"
    deployments: ClassVar[bool] = True
    documented_defaults: ClassVar[bool] = False
    feature_gates: ClassVar[bool] = True
    image_rules: ClassVar[str | None] = "azure"

    def unavailable(self, operation: Operation) -> str | None:
        note = NOT_OFFERED.get(operation.id) or NOT_OFFERED.get(operation.area)
        if note is None and operation.area.startswith("fine_tuning"):
            note = NOT_OFFERED["fine_tuning.jobs"]
        return note

    def elsewhere_hint(self) -> str:
        return "use an OpenAI or OpenAI-compatible connection for it"

    def path_template(self, operation: Operation) -> str | None:
        path = super().path_template(operation)
        if path is not None and operation.routed_by_model:
            return DEPLOYMENT_PREFIX + path
        return path

    def route(self, operation: Operation, spec: RequestSpec) -> None:
        """The body's ``model`` names the deployment: it moves into the path."""
        if not operation.routed_by_model:
            return
        fields = spec.json if spec.json is not None else spec.multipart
        assert fields is not None and "model" in fields, f"{operation.id} names no model"
        deployment = spec.model = fields.pop("model")
        spec.path = f"/deployments/{quote_path(deployment)}{spec.path}"

    def require(self, feature: str, field: str, connection: Connection) -> None:
        gate = FEATURE_VERSIONS.get(feature)
        if gate is None:  # an Azure feature (data_sources) every version this targets has
            return
        named, needed = gate
        if not version_at_least(connection.api_version, needed):
            raise UnsupportedOperation(
                f"{field}: {named} needs Azure api_version {needed} or newer "
                f"(this connection uses {connection.api_version})",
                hint=f"set api_version to {needed} or later, or leave {field} out",
            )

    def target(
        self,
        connection: Connection,
        resolver: SecretResolver,
        token_command: EntraTokenCommand | None,
    ) -> Target:
        """``{endpoint}/openai``, ``api-version``, and an ``api-key`` header or a bearer token."""
        from .target import BASE_HEADERS, clash, finish_target, without_userinfo

        headers = dict(BASE_HEADERS)
        api_key = resolver.resolve_secret(connection.api_key, "api_key")
        endpoint, basic = without_userinfo(
            resolver.resolve(connection.azure_endpoint).rstrip("/"), "endpoint", resolver
        )
        query = {"api-version": connection.api_version}
        token = resolver.resolve_secret(connection.azure_ad_token, "azure_ad_token")
        if basic is not None:
            raise clash("endpoint", "the azure connection's api_key or azure_ad_token")
        if api_key:
            if api_key.reveal().startswith("sk-"):
                warnings.warn(
                    "the api_key looks like an OpenAI key (sk-...) but the provider is azure",
                    ConnectorWarning,
                    stacklevel=4,
                )
            headers["api-key"] = api_key.reveal()
        elif token:
            headers["authorization"] = f"Bearer {token.reveal()}"
        elif token_command is not None:
            bearer = token_command.token()
            resolver.redactor.add(bearer)
            headers["authorization"] = f"Bearer {bearer}"
        else:
            raise ConfigError(
                "the azure connection has no credentials",
                hint="set api_key (AZURE_OPENAI_API_KEY), azure_ad_token "
                "(AZURE_OPENAI_AD_TOKEN) or azure_ad_token_command",
            )
        base_url = endpoint + API_PREFIX
        return finish_target(self, connection, resolver, base_url, headers=headers, query=query)

    def hint(
        self, status: int, code: str | None, message: str | None, connection: Connection
    ) -> str | None:
        if code == "DeploymentNotFound":
            return (
                "the model input names the Azure *deployment* (the name you gave it in "
                "the Azure portal), not the model: check the deployment name"
            )
        if (
            (code in ("BadRequest", "invalid_request_error") or status == 404)
            and message
            and "api version" in message.lower()
        ):
            return (
                f"this connection uses api_version {connection.api_version}; the "
                "feature needs a newer one (see the message), set api_version"
            )
        return None


PROVIDER = Azure()
