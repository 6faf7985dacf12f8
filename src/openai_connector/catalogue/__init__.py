"""The catalogue of operations: list, keyword search, input schema and a generated example.

Everything here is derived from the registry (:mod:`.operations.registry`), so a new
operation shows up in ``openai-connector operations``, in ``operations search`` and in the
docs table without being listed anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import providers
from ..operations.registry import TEXT_ANSWERS, get, operations
from .schema import input_schema

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..operations.base import Operation

COMPOSITE = "(composite)"
"""Shown instead of a path for operations made of several calls."""

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    {"a", "an", "and", "as", "by", "for", "from", "in", "is", "it", "of", "on", "or", "the", "to"}
)
# How much a query word counts when it hits each part of an operation.
WEIGHTS = {"id": 4.0, "keywords": 3.0, "summary": 2.0, "fields": 1.0}


@dataclass(frozen=True, slots=True)
class Entry:
    """One operation as the catalogue shows it."""

    id: str
    summary: str
    method: str | None
    """None for a composite operation (several calls)."""
    openai_path: str | None
    azure_path: str | None
    streams: bool
    composite: bool
    keywords: tuple[str, ...]
    fields: tuple[str, ...]

    @classmethod
    def of(cls, op: Operation) -> Entry:
        composite = op.runner is not None
        azure = providers.get("azure")
        return cls(
            id=op.id,
            summary=op.summary,
            method=None if composite else op.method,
            openai_path=providers.get("openai").path_template(op)
            or (COMPOSITE if composite else None),
            azure_path=azure.path_template(op)
            or (COMPOSITE if composite and azure.unavailable(op) is None else None),
            streams=op.streams,
            composite=composite,
            keywords=tuple(op.keywords),
            fields=tuple(op.input.model_fields),
        )


def entries() -> list[Entry]:
    """Every operation, sorted by id."""
    return [Entry.of(op) for op in operations().values()]


# ------------------------------------------------------------------- search


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words_of(text: str) -> list[str]:
    """Lower-case word stems of ``text``, stop words left out."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP_WORDS]


def _hits(word: str, tokens: Iterable[str]) -> float:
    """1 for an exact hit, 0.5 when one is a prefix of the other (3+ letters), else 0."""
    best = 0.0
    for token in tokens:
        if token == word:
            return 1.0
        shorter, longer = sorted((word, token), key=len)
        if len(shorter) >= 3 and longer.startswith(shorter):
            best = 0.5
    return best


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    score: float
    matched: int
    """How many of the query's words hit this operation."""


def search(query: str | Iterable[str]) -> list[Match]:
    """Operations ranked by how well they match the query's words, best first.

    A word counts for each part it hits: the id (weight 4), the keywords (3), the summary (2)
    and the input field names (1). Operations hit by more of the words come first, then
    those with the higher score; operations hit by no word are left out.
    """
    text = query if isinstance(query, str) else " ".join(query)
    wanted = list(dict.fromkeys(words_of(text)))
    found: list[Match] = []
    for entry in entries():
        parts = {
            "id": words_of(entry.id),
            "keywords": words_of(" ".join(entry.keywords)),
            "summary": words_of(entry.summary),
            "fields": words_of(" ".join(entry.fields)),
        }
        score = 0.0
        matched = 0
        for word in wanted:
            gained = sum(WEIGHTS[name] * _hits(word, tokens) for name, tokens in parts.items())
            if gained:
                matched += 1
                score += gained
        if matched:
            found.append(Match(entry, score, matched))
    found.sort(key=lambda m: (-m.matched, -m.score, m.entry.id))
    return found


# ------------------------------------------------------------- schema, example


def describe(operation_id: str) -> dict[str, Any]:
    """Everything ``operations show`` prints for one operation."""
    from .example import example_input

    op = get(operation_id)
    entry = Entry.of(op)
    data: dict[str, Any] = {
        "id": op.id,
        "summary": op.summary,
        "method": entry.method,
        "paths": {name: providers.get(name).path_template(op) for name in ("openai", "azure")},
        "composite": entry.composite,
        "streams": op.streams,
        "text": op.id in TEXT_ANSWERS,
        "keywords": list(op.keywords),
    }
    azure_note = providers.get("azure").unavailable(op)
    if azure_note is not None:
        data["azure_note"] = azure_note
    if op.docs:
        data["docs"] = op.docs
    data["input_schema"] = input_schema(op)
    example, valid = example_input(op)
    data["example_input"] = example
    data["example_validates"] = valid
    data["command"] = f"openai-connector run {op.id} --params example.json"
    return data
