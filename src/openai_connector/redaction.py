"""Redaction: every registered secret value shows as ``***``, in whatever shape it comes.

A server may send a secret back as it was sent, or JSON-escaped (``\\"``, ``\\\\``, ``\\/``,
or any character as ``\\uXXXX``, as Go's encoder writes ``&`` and ``<``), once or several
times over (JSON inside a JSON string). The rules:

- JSON is redacted after parsing, in its string values and keys only: numbers, booleans and
  null are never touched, so redacted JSON stays valid JSON with the same numbers.
- Text is redacted as it is; text holding a backslash is also searched for escaped forms.
- Header names are compared without case (HTTP lowercases them).
- Each check is cheap first: a body that holds no secret and no escape that could spell
  one is not walked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .constants import SECRET_MASK

if TYPE_CHECKING:
    from .secrets import Secret

MIN_REDACTED_LENGTH = 4
"""Shorter values are not redacted: masking every 'a' in a text would destroy it."""
PREVIEW_PARSE_LIMIT = 1 << 20
"""Debug previews parse a JSON body up to this size (bytes) to find escaped secrets."""
_SHORT_ESCAPES = {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t"}


def _hex(code: int) -> str:
    """Four hex digits matching either case: 0x3c -> '003[cC]'."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:04x}")


def _escaped_char(char: str) -> str:
    r"""A regex for ``char`` as it is or JSON-escaped, at any depth (``\u0026``, ``\\\"``)."""
    code = ord(char)
    if code > 0xFFFF:
        high = 0xD800 + ((code - 0x10000) >> 10)
        low = 0xDC00 + ((code - 0x10000) & 0x3FF)
        unicode = rf"\\+u{_hex(high)}\\+u{_hex(low)}"
    else:
        unicode = rf"\\+u{_hex(code)}"
    options = [re.escape(char), unicode]
    if char in '"\\/':
        options.append(r"\\+" + re.escape(char))
    elif char in _SHORT_ESCAPES:
        options.append(r"\\+" + _SHORT_ESCAPES[char])
    return f"(?:{'|'.join(options)})"


class Redactor:
    """Replaces every registered secret value with ``***``."""

    __slots__ = (
        "_bytes",
        "_escaped",
        "_escapes",
        "_escapes_text",
        "_folded",
        "_longest",
        "_lowered",
        "_pattern",
        "_starts",
        "_values",
    )

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._escaped: re.Pattern[str] | None = None
        self._folded: re.Pattern[str] | None = None
        self._lowered: re.Pattern[str] = re.compile("(?!)")
        self._starts: re.Pattern[str] = self._lowered
        self._longest = 0
        self._escapes: re.Pattern[bytes] | None = None
        self._escapes_text: re.Pattern[str] | None = None
        self._bytes: tuple[bytes, ...] = ()
        for value in values:
            self.add(value)

    def add(self, value: str | Secret | None) -> None:
        if value is not None and not isinstance(value, str):
            value = value.reveal()
        if not value:
            return
        value = value.strip()
        if len(value) < MIN_REDACTED_LENGTH or value in self._values:
            return
        self._values.add(value)
        ordered = sorted(self._values, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        self._escaped = self._folded = None  # compiled when first needed
        # where a secret may begin: its first three characters, or its first one or two at
        # the very end (a cheap test before :meth:`pending`)
        starts = {re.escape(v[:3]) for v in ordered}
        starts |= {re.escape(v[:n]) + r"\Z" for v in ordered for n in (1, 2)}
        self._starts = re.compile("|".join(sorted(starts)))
        self._longest = len(ordered[0])
        lowered = sorted(self._values | {v.lower() for v in ordered}, key=len, reverse=True)
        self._lowered = re.compile("|".join(re.escape(v) for v in lowered))
        self._bytes = tuple(v.encode() for v in ordered)
        # the escapes that could spell a secret: \uXXXX always, \" \\ \/ only when used
        letters = re.escape("".join(c for c in '"\\/' if any(c in v for v in ordered)))
        self._escapes = re.compile(rb"\\[u" + letters.encode() + rb"]")
        self._escapes_text = re.compile(r"\\[u" + letters + r"]")

    def __bool__(self) -> bool:
        return bool(self._values)

    def _escaped_pattern(self) -> re.Pattern[str]:
        if self._escaped is None:
            ordered = sorted(self._values, key=len, reverse=True)
            self._escaped = re.compile(
                "|".join("".join(_escaped_char(c) for c in v) for v in ordered)
            )
        return self._escaped

    def _text_pattern(self, text: str) -> re.Pattern[str] | None:
        if self._pattern is None or "\\" not in text:
            return self._pattern
        return self._escaped_pattern()

    # -------------------------------------------------------------------- text

    def __call__(self, text: str) -> str:
        """``text`` with every secret masked, escaped forms too when it holds a backslash."""
        pattern = self._text_pattern(text) if text else None
        if pattern is None:
            return text
        return pattern.sub(SECRET_MASK, text)

    def in_text(self, text: str) -> bool:
        pattern = self._text_pattern(text)
        return pattern is not None and pattern.search(text) is not None

    def in_bytes(self, data: bytes) -> bool:
        """Cheap check: does any secret occur, as it is, in ``data``?"""
        return any(value in data for value in self._bytes)

    def may_hold(self, data: bytes) -> bool:
        """Cheap check: could ``data`` (JSON or text) hold a secret, as it is or escaped?"""
        escapes = self._escapes
        if escapes is None:
            return False
        for value in self._bytes:
            if value in data:
                return True
        return b"\\" in data and escapes.search(data) is not None

    def may_hold_text(self, text: str) -> bool:
        """:meth:`may_hold` for text (a stream event's data)."""
        if self._escapes_text is None or self._pattern is None:
            return False
        if self._pattern.search(text) is not None:
            return True
        return "\\" in text and self._escapes_text.search(text) is not None

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

    def split_pending(self, text: str) -> tuple[str, str]:
        """``(ready, held)``: the part of streamed ``text`` safe to show now, redacted, and
        the raw tail that may be the start of a secret (to prepend to the next piece)."""
        pattern = self._pattern
        if pattern is None:
            return text, ""
        if "\\" in text:
            pattern = self._escaped_pattern()
        if pattern.search(text) is None:
            # the usual case: nothing to mask, and no secret's start near the end
            start = len(text) - self._longest + 1
            if self._starts.search(text, start if start > 0 else 0) is None:
                return text, ""
            cut = len(text) - self.pending(text)
            return text[:cut], text[cut:]
        cut = len(text) - self.pending(text)
        for match in pattern.finditer(text):
            if match.start() < cut < match.end():  # never cut a whole secret in two
                cut = match.end()
        return pattern.sub(SECRET_MASK, text[:cut]), text[cut:]

    # -------------------------------------------------------------------- data

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """``headers`` itself when no secret occurs in it, else a redacted copy (names are
        compared without case: HTTP lowercases them)."""
        if self._pattern is None:
            return headers
        joined = "\n".join([*headers, *headers.values()])
        if self._lowered.search(joined) is None and "\\" not in joined:
            return headers  # the usual case (the transports lowercase names)
        if self._folded is None:
            self._folded = re.compile(self._pattern.pattern, re.IGNORECASE)
        return {self._folded.sub(SECRET_MASK, k): self(v) for k, v in headers.items()}

    def deep(self, obj: Any) -> Any:
        """A copy of ``obj`` (JSON-like) with every secret in its strings (values and keys)
        redacted; numbers, booleans and None are kept as they are."""
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

    def json_text(self, text: str) -> str:
        """JSON ``text`` with the secrets in its strings redacted (numbers untouched);
        text that is not JSON is redacted as text."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return self(text)
        return json.dumps(self.deep(data), ensure_ascii=False)

    def preview(self, data: bytes, limit: int) -> str:
        """The first ``limit`` characters of ``data`` as text, redacted; a secret that
        straddles the cut is masked whole, never shown in part. A JSON body is parsed
        first, so a secret is found however it was escaped, and numbers stay as sent."""
        if self._pattern is not None and len(data) <= PREVIEW_PARSE_LIMIT and self.may_hold(data):
            try:
                parsed = json.loads(data)
            except (ValueError, RecursionError):
                pass
            else:
                return json.dumps(self.deep(parsed), ensure_ascii=False)[:limit]
        longest = max((len(value) for value in self._values), default=0) * 12
        text = data[: (limit + longest) * 4].decode("utf-8", "replace")[: limit + longest]
        end = limit
        pattern = self._text_pattern(text)
        if pattern is not None:
            for match in pattern.finditer(text):
                if match.start() < limit < match.end():
                    end = match.end()
        return self(text[:end])
