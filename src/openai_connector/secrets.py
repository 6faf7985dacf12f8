"""Secret references, where their values come from, and redaction.

A value may hold ``{{secrets.NAME}}`` anywhere: as the whole value or inside a string. At
call time the reference is replaced by the secret's value, looked up in order in

1. the environment,
2. a dotenv-style secrets file (``NAME=value`` lines),
3. a directory holding one file per secret (as container platforms mount them).

Every value resolved this way, and every API key or token however it was given, is
registered with a :class:`Redactor`; everything the package prints, logs, stores or returns
passes through it, so the value shows as ``***``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .constants import SECRET_MASK
from .errors import SecretNotFound

SECRET_REFERENCE = re.compile(r"\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
MIN_REDACTED_LENGTH = 4
"""Shorter values are not redacted: masking every 'a' in a text would destroy it."""


class Secret:
    """A resolved secret value whose ``str`` and ``repr`` never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({SECRET_MASK!r})"

    def __str__(self) -> str:
        return SECRET_MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SecretStore:
    """Looks secrets up in the environment, then a secrets file, then a directory."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        file: str | Path | None = None,
        directory: str | Path | None = None,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self.file = Path(file).expanduser() if file else None
        self.directory = Path(directory).expanduser() if directory else None
        self._file_values: dict[str, str] | None = None

    def _from_file(self) -> dict[str, str]:
        if self._file_values is None:
            self._file_values = {}
            if self.file is not None and self.file.is_file():
                from dotenv import dotenv_values

                values = dotenv_values(self.file)
                self._file_values = {k: v for k, v in values.items() if v is not None}
        return self._file_values

    def get(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        file_values = self._from_file()
        if name in file_values:
            return file_values[name]
        if self.directory is not None:
            candidate = self.directory / name
            if candidate.is_file() and candidate.parent == self.directory:
                return candidate.read_text(encoding="utf-8").rstrip("\r\n")
        return None

    def describe(self) -> str:
        places = ["the environment"]
        if self.file is not None:
            places.append(f"secrets file {self.file}")
        if self.directory is not None:
            places.append(f"secrets directory {self.directory}")
        return ", ".join(places)

    def lookup(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise SecretNotFound(name, self.describe())
        return value


class Redactor:
    """Replaces every registered secret value with ``***``."""

    __slots__ = ("_bytes", "_pattern", "_values")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._bytes: tuple[bytes, ...] = ()
        for value in values:
            self.add(value)

    def add(self, value: str | Secret | None) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not value or len(value) < MIN_REDACTED_LENGTH or value in self._values:
            return
        self._values.add(value)
        ordered = sorted(self._values, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        self._bytes = tuple(v.encode() for v in ordered)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(SECRET_MASK, text)

    def in_bytes(self, data: bytes) -> bool:
        """Cheap check: does any secret occur in ``data``?"""
        return any(value in data for value in self._bytes)

    def in_text(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None

    def pending(self, text: str) -> int:
        """How many characters at the end of ``text`` could be the start of a secret.

        Text that arrives in pieces (a stream) holds these back until the next piece shows
        whether a secret follows, so a secret split across pieces is still masked whole.
        """
        best = 0
        for value in self._values:
            tail = text[-(len(value) - 1) :] if len(value) > 1 else ""
            start = tail.find(value[0])
            while start != -1 and len(tail) - start > best:
                if value.startswith(tail[start:]):
                    best = len(tail) - start
                    break
                start = tail.find(value[0], start + 1)
        return best

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """``headers`` itself when no secret occurs in it, else a redacted copy."""
        if self._pattern is None:
            return headers
        if self._pattern.search("\n".join([*headers, *headers.values()])) is None:
            return headers
        return {self(k): self(v) for k, v in headers.items()}

    def preview(self, data: bytes, limit: int) -> str:
        """The first ``limit`` characters of ``data`` as text, redacted; a secret that
        straddles the cut is masked whole, never shown in part."""
        longest = max((len(value) for value in self._values), default=0)
        text = data[: (limit + longest) * 4].decode("utf-8", "replace")[: limit + longest]
        end = limit
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                if match.start() < limit < match.end():
                    end = match.end()
        return self(text[:end])

    def deep(self, obj: Any) -> Any:
        """A copy of ``obj`` (JSON-like) with every secret in its strings redacted."""
        if self._pattern is None:
            return obj
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, dict):
            return {self.deep(k): self.deep(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.deep(v) for v in obj]
        if isinstance(obj, bytes):
            for value in self._bytes:
                obj = obj.replace(value, SECRET_MASK.encode())
            return obj
        return obj


class SecretResolver:
    """Replaces ``{{secrets.NAME}}`` references in (nested) values, registering each value."""

    __slots__ = ("redactor", "store")

    def __init__(self, store: SecretStore, redactor: Redactor) -> None:
        self.store = store
        self.redactor = redactor

    def _substitute(self, match: re.Match[str]) -> str:
        value = self.store.lookup(match.group(1))
        self.redactor.add(value)
        return value

    def resolve(self, obj: Any) -> Any:
        if isinstance(obj, str):
            if "{{" not in obj:
                return obj
            return SECRET_REFERENCE.sub(self._substitute, obj)
        if isinstance(obj, dict):
            return {k: self.resolve(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.resolve(v) for v in obj]
        if isinstance(obj, Secret):
            self.redactor.add(obj)
            return obj
        return obj

    def resolve_secret(self, value: str | Secret | None) -> Secret | None:
        """Resolve a credential field; the result is always registered for redaction."""
        if value is None:
            return None
        plain = value.reveal() if isinstance(value, Secret) else self.resolve(value)
        self.redactor.add(plain)
        return Secret(plain)


def has_reference(value: object) -> bool:
    return isinstance(value, str) and SECRET_REFERENCE.search(value) is not None
