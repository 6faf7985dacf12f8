"""Secret references, where their values come from, and redaction.

A value may hold ``{{secrets.NAME}}`` anywhere: as the whole value or inside a string. At
call time the reference is replaced by the secret's value, looked up in order in

1. the environment,
2. a dotenv-style secrets file (``NAME=value`` lines),
3. a directory holding one file per secret (as container platforms mount them).

A value loses its surrounding whitespace (the newline a file or a paste leaves); a value with
a control character inside is a ``ConfigError`` naming the secret, never showing the value.

Every value resolved this way, and every API key or token however it was given, is
registered with a :class:`Redactor`; everything the package prints, logs, stores or returns
passes through it (:mod:`.redaction`), so the value shows as ``***``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .constants import SECRET_MASK
from .errors import ConfigError, SecretNotFound
from .redaction import MIN_REDACTED_LENGTH, Redactor

if TYPE_CHECKING:  # a type only: policy reads secrets' reference pattern (no cycle)
    from .policy import SecretSource

__all__ = [
    "MIN_REDACTED_LENGTH",
    "Redactor",
    "Secret",
    "SecretResolver",
    "SecretStore",
    "clean_secret",
    "has_reference",
]

SECRET_REFERENCE = re.compile(r"\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_secret(value: str, setting: str) -> str:
    """``value`` without surrounding whitespace (a key pasted with its newline); a value
    with control characters inside is refused, naming ``setting`` and never the value."""
    value = value.strip()
    if _CONTROL.search(value) is not None:
        raise ConfigError(
            f"{setting}: the value holds a control character (a line break, tab or NUL)",
            hint=f"check where {setting} comes from: a secret is one line of text",
        )
    return value


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
    """Looks secrets up in the environment, then a secrets file, then a directory.

    The library's and the CLI's :class:`~.policy.SecretSource`."""

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

                try:
                    values = dotenv_values(self.file, encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise ConfigError(
                        f"secrets file {self.file} cannot be read: {_reason(exc)}",
                        hint="a secrets file holds NAME=value lines in UTF-8",
                    ) from None
                self._file_values = {k: v for k, v in values.items() if v is not None}
        return self._file_values

    def get(self, name: str) -> str | None:
        """The value of secret ``name`` without surrounding whitespace, or None."""
        if name in self.environ:
            return clean_secret(self.environ[name], f"secret {name} (environment)")
        file_values = self._from_file()
        if name in file_values:
            return clean_secret(file_values[name], f"secret {name} (file {self.file})")
        if self.directory is not None:
            candidate = self.directory / name
            if candidate.is_file() and candidate.parent == self.directory:
                try:
                    text = candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise ConfigError(
                        f"secret {name}: {candidate} cannot be read: {_reason(exc)}",
                        hint="a secret file holds the value as UTF-8 text",
                    ) from None
                return clean_secret(text, f"secret {name} (file {candidate})")
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


class SecretResolver:
    """Replaces ``{{secrets.NAME}}`` references in (nested) values, registering each value."""

    __slots__ = ("redactor", "store")

    def __init__(self, store: SecretSource, redactor: Redactor) -> None:
        self.store = store
        self.redactor = redactor

    def _substitute(self, match: re.Match[str]) -> str:
        name = match.group(1)
        value = self.store.get(name)
        if value is None:
            raise SecretNotFound(name, self.store.describe())
        if not isinstance(self.store, SecretStore):  # a store of the face's: same rules
            value = clean_secret(value, f"secret {name}")
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

    def resolve_secret(
        self, value: str | Secret | None, setting: str = "credential"
    ) -> Secret | None:
        """Resolve a credential field; the result is always registered for redaction.

        Surrounding whitespace is dropped; a control character inside is a ConfigError
        naming ``setting``."""
        if value is None:
            return None
        plain = value.reveal() if isinstance(value, Secret) else self.resolve(value)
        plain = clean_secret(plain, setting)
        self.redactor.add(plain)
        return Secret(plain)


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"it is not UTF-8 text (byte {exc.start})"
    return str(getattr(exc, "strerror", None) or exc)


def has_reference(value: object) -> bool:
    return isinstance(value, str) and SECRET_REFERENCE.search(value) is not None
