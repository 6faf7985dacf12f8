"""The only list of operations: every module in this package that declares ``OPERATIONS``.

Adding an operation is adding it to its area's module (or a new module) and its id to
``MODULE_OF`` below; the CLI, the catalogue and the docs table all read this registry.

``get(op_id)`` imports only the module that declares the operation (``MODULE_OF``), so one
``chat`` does not import the other 25 operation modules; ``operations()`` imports them all.
A test checks ``MODULE_OF`` against what the modules declare, so the index cannot drift; an
id missing from it is still found (by importing every module), only slower.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from ..errors import UnknownOperation

if TYPE_CHECKING:
    from .base import Operation

_NOT_AREAS = frozenset({"base", "registry"})

MODULE_OF: dict[str, str] = {
    "audio.speech": "audio",
    "audio.transcribe": "audio",
    "audio.translate": "audio",
    "batches.cancel": "batches",
    "batches.create": "batches",
    "batches.list": "batches",
    "batches.retrieve": "batches",
    "batches.wait": "batches",
    "chat.create": "chat",
    "chat.create_many": "chat_many",
    "chat.summarize": "summarize",
    "completions.create": "completions",
    "connection.test": "connection_test",
    "edits.create": "edits",
    "embeddings.create": "embeddings",
    "files.content": "files",
    "files.delete": "files",
    "files.list": "files",
    "files.retrieve": "files",
    "files.upload": "files",
    "fine_tuning.jobs.cancel": "fine_tuning",
    "fine_tuning.jobs.checkpoints": "fine_tuning",
    "fine_tuning.jobs.create": "fine_tuning",
    "fine_tuning.jobs.events": "fine_tuning",
    "fine_tuning.jobs.list": "fine_tuning",
    "fine_tuning.jobs.retrieve": "fine_tuning",
    "fine_tuning.jobs.wait": "fine_tuning",
    "images.edit": "images",
    "images.generate": "images",
    "images.variation": "images",
    "jsonl.build": "jsonl",
    "models.delete": "models",
    "models.list": "models",
    "models.retrieve": "models",
    "moderation.create": "moderation",
    "raw.request": "raw",
    "responses.create": "responses",
    "responses.delete": "responses",
    "responses.retrieve": "responses",
}
"""Operation id -> the module of this package that declares it (``get`` imports only that)."""

TEXT_ANSWERS = frozenset(
    {
        "chat.create",
        "chat.summarize",
        "completions.create",
        "edits.create",
        "responses.create",
        "responses.retrieve",
        "audio.transcribe",
        "audio.translate",
        "audio.speech",
        "files.content",
        "raw.request",
    }
)
"""Operations whose answer is a text (``Result.text``), bytes, or files written (their paths):
what ``--text`` prints. The others (moderation, embeddings, lists...) answer with data only,
and ``--text`` is refused for them before anything is sent. Here, not in the catalogue, so
the CLI checks ``--text`` without importing the catalogue."""


def declared_in(module_name: str) -> tuple[Operation, ...]:
    """The operations one module of this package declares (importing it)."""
    module = importlib.import_module(f"{__package__}.{module_name}")
    return tuple(getattr(module, "OPERATIONS", ()))


def area_modules() -> list[str]:
    """The names of this package's modules that may declare operations."""
    import pkgutil

    import openai_connector.operations as package

    return [
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if info.name not in _NOT_AREAS and not info.name.startswith("_")
    ]


@cache
def operations() -> dict[str, Operation]:
    """Every operation by id, sorted by id (imports every operation module)."""
    found: dict[str, Operation] = {}
    for name in area_modules():
        for operation in declared_in(name):
            if operation.id in found:
                raise RuntimeError(f"operation {operation.id} is declared twice")
            found[operation.id] = operation
    return dict(sorted(found.items()))


@cache
def _declared_by_id(module_name: str) -> dict[str, Operation]:
    return {operation.id: operation for operation in declared_in(module_name)}


def get(operation_id: str) -> Operation:
    """The operation with this id, importing only the module that declares it."""
    module_name = MODULE_OF.get(operation_id)
    if module_name is not None and operation_id in (found := _declared_by_id(module_name)):
        return found[operation_id]
    try:
        return operations()[operation_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(operation_id, list(operations()), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run 'openai-connector operations'"
        raise UnknownOperation(f"unknown operation {operation_id!r}", hint=hint) from None
