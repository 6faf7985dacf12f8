"""The one table of built-in functions, by FEEL name."""

from __future__ import annotations

from . import (
    functions_context,
    functions_list,
    functions_number,
    functions_string,
    functions_temporal,
)
from .signature import Builtin

BUILTINS: dict[str, Builtin] = {
    builtin.name: builtin
    for module in (
        functions_context,
        functions_list,
        functions_number,
        functions_string,
        functions_temporal,
    )
    for builtin in module.FUNCTIONS
}

PARAMETER_PHRASES = frozenset(
    name for builtin in BUILTINS.values() for name in builtin.names if " " in name
)
PHRASES: frozenset[str] = frozenset(name for name in BUILTINS if " " in name) | PARAMETER_PHRASES
