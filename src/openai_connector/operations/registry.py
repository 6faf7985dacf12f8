"""The only list of operations: every module in this package that declares ``OPERATIONS``.

Adding an operation is adding it to its area's module (or a new module); the CLI, the
catalogue and the docs table all read this registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..errors import UnknownOperation
from .base import Operation

_NOT_AREAS = frozenset({"base", "registry"})


@cache
def operations() -> dict[str, Operation]:
    """Every operation by id, sorted by id."""
    import openai_connector.operations as package

    found: dict[str, Operation] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_AREAS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for operation in getattr(module, "OPERATIONS", ()):
            if operation.id in found:
                raise RuntimeError(f"operation {operation.id} is declared twice")
            found[operation.id] = operation
    return dict(sorted(found.items()))


def get(operation_id: str) -> Operation:
    try:
        return operations()[operation_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(operation_id, list(operations()), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run 'openai-connector operations'"
        raise UnknownOperation(f"unknown operation {operation_id!r}", hint=hint) from None
