"""Every operation on every provider: the request's path is the operation's one declared path
as that provider maps it, and an operation a provider does not offer fails before sending,
naming the provider."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from media_samples import png, wav
from openai_connector import providers
from openai_connector.connection import Connection
from openai_connector.core import Core
from openai_connector.errors import UnsupportedOperation
from openai_connector.operations import registry
from openai_connector.operations.base import PATH_PARAMETER, Operation
from openai_connector.providers.base import Provider

SOUND = wav(b"\0\0" * 800)
PICTURE = png(4, 4)

# A small valid input for each operation that sends a request of its own; model names and
# ids hold characters a path must escape, so a missing quote shows.
INPUTS: dict[str, dict[str, Any]] = {
    "audio.speech": {"input": "Hello", "voice": "alloy", "output": "unused.mp3"},
    "audio.transcribe": {"file": SOUND, "filename": "a.wav", "model": "whisper 1/x"},
    "audio.translate": {"file": SOUND, "filename": "a.wav", "model": "whisper 1/x"},
    "batches.cancel": {"batch_id": "batch/1"},
    "batches.create": {"input_file_id": "file-1", "endpoint": "/v1/chat/completions"},
    "batches.list": {},
    "batches.retrieve": {"batch_id": "batch 1"},
    "chat.create": {"model": "my gpt/4o", "prompt": "Hi"},
    "completions.create": {"model": "instruct #1", "prompt": "Hi"},
    "edits.create": {"model": "my gpt/4o", "input": "teh", "instruction": "fix"},
    "embeddings.create": {"model": "embed?small", "input": "Hi"},
    "files.content": {"file_id": "file/1"},
    "files.delete": {"file_id": "file?1"},
    "files.list": {},
    "files.retrieve": {"file_id": "file 1"},
    "files.upload": {"file": b'{"a": 1}\n', "filename": "a.jsonl", "purpose": "batch"},
    "fine_tuning.jobs.cancel": {"fine_tuning_job_id": "ftjob/1"},
    "fine_tuning.jobs.checkpoints": {"fine_tuning_job_id": "ftjob 1"},
    "fine_tuning.jobs.create": {"model": "gpt-4o-mini", "training_file": "file-1"},
    "fine_tuning.jobs.events": {"fine_tuning_job_id": "ftjob#1"},
    "fine_tuning.jobs.list": {},
    "fine_tuning.jobs.retrieve": {"fine_tuning_job_id": "ftjob-1"},
    "images.edit": {"image": PICTURE, "prompt": "a hat", "model": "dall-e-2"},
    "images.generate": {"prompt": "a cat", "model": "dall-e-3", "response_format": "url"},
    "images.variation": {"image": PICTURE, "model": "dall-e-2", "response_format": "url"},
    "models.delete": {"model": "ft:gpt/x"},
    "models.list": {},
    "models.retrieve": {"model": "gpt 4o"},
    "moderation.create": {"input": "Hi"},
    "raw.request": {"method": "GET", "path": "/assistants/asst_1"},
    "responses.create": {"model": "gpt-4o", "input": "Hi"},
    "responses.delete": {"response_id": "resp/1"},
    "responses.retrieve": {"response_id": "resp 1"},
}

CONNECTIONS = {
    "openai": {"provider": "openai", "api_key": "sk-test"},
    "azure": {
        "provider": "azure",
        "endpoint": "https://example.openai.azure.com",
        "api_key": "0" * 32,
    },
    "compatible": {"provider": "compatible", "base_url": "http://127.0.0.1:9/v1"},
}

SENDING = [op for op in registry.operations().values() if op.runner is None]


def _expected_path(provider: Provider, op: Operation, params: dict[str, Any]) -> str:
    """The declared path as the provider maps it, its parameters filled from the input."""
    template = provider.path_template(op)
    assert template is not None
    values = {
        name: params.get(name, params.get("model")) for name in PATH_PARAMETER.findall(template)
    }
    if op.id == "raw.request":  # the path is the input's own, already a path
        return params["path"]
    return template.format(**{name: quote(str(value), safe="") for name, value in values.items()})


def test_every_sending_operation_has_an_input_here() -> None:
    assert {op.id for op in SENDING} == set(INPUTS)


@pytest.mark.parametrize("provider_name", providers.NAMES)
@pytest.mark.parametrize("op", SENDING, ids=lambda op: op.id)
def test_built_path_is_the_declared_one_mapped_by_the_provider(
    provider_name: str, op: Operation
) -> None:
    provider = providers.get(provider_name)
    core = Core(Connection(**CONNECTIONS[provider_name]))
    params = INPUTS[op.id]
    if provider.unavailable(op) is not None:
        with pytest.raises(UnsupportedOperation, match=provider.label.split()[0]):
            core.prepare(op.id, params)
        return
    prepared = core.prepare(op.id, params)
    assert prepared.spec is not None and prepared.request is not None
    expected = _expected_path(provider, op, params)
    assert prepared.spec.path == expected
    target = core.target()
    url = urlsplit(prepared.request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == target.base_url + expected
    body = prepared.spec.json if prepared.spec.json is not None else prepared.spec.multipart
    if op.routed_by_model and provider.deployments:
        assert "model" not in (body or {})  # the deployment is in the path, not the body


@pytest.mark.parametrize("provider_name", providers.NAMES)
def test_declared_paths_are_logical_ones(provider_name: str) -> None:
    # one logical path per operation: no provider's prefix in any declaration
    for op in registry.operations().values():
        assert op.path is None or not op.path.startswith(("/deployments", "/openai", "/v1"))
        template = providers.get(provider_name).path_template(op)
        if template is not None and op.path is not None:
            assert template.endswith(op.path)


def test_azure_maps_a_model_routed_path_under_its_deployment() -> None:
    azure = providers.get("azure")
    chat = registry.get("chat.create")
    assert azure.path_template(chat) == "/deployments/{deployment}/chat/completions"
    assert azure.path_template(registry.get("raw.request")) == "/{path}"
    assert providers.get("openai").path_template(chat) == "/chat/completions"


@pytest.mark.parametrize(
    ("provider_name", "operation", "named"),
    [
        ("azure", "moderation.create", "Azure OpenAI"),
        ("azure", "files.upload", "Azure"),
        ("azure", "batches.wait", "Azure"),
        ("azure", "responses.create", "Azure OpenAI"),
    ],
)
def test_an_operation_a_provider_does_not_offer_fails_before_sending_naming_it(
    provider_name: str, operation: str, named: str
) -> None:
    core = Core(Connection(**CONNECTIONS[provider_name]))
    with pytest.raises(UnsupportedOperation) as caught:
        core.prepare(operation, INPUTS.get(operation, {"batch_id": "batch-1"}))
    assert named in str(caught.value)
    assert caught.value.code == "unsupported_operation"


def test_a_provider_that_offers_less_refuses_naming_itself() -> None:
    # a provider module that offers only chat: every other operation is refused by name
    class ChatOnly(Provider):
        name = "chat-only"
        label = "Chat-Only Cloud"

        def unavailable(self, operation: Operation) -> str | None:
            if operation.id == "chat.create":
                return None
            return f"{self.label} serves chat only"

    with pytest.raises(UnsupportedOperation, match=r"embeddings\.create: Chat-Only Cloud"):
        ChatOnly().check_offers(registry.get("embeddings.create"))
    ChatOnly().check_offers(registry.get("chat.create"))


def test_every_provider_a_connection_can_name_has_a_profile() -> None:
    from typing import get_args

    from openai_connector.connection import Provider as ProviderName

    assert set(get_args(ProviderName)) == set(providers.NAMES)
    for name in providers.NAMES:
        assert providers.get(name).name == name
    with pytest.raises(ValueError, match="unknown provider"):
        providers.get("bedrock")
