"""FEEL text to tokens: numbers, strings, names (one word each), temporal literals, symbols."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import SyntaxProblem

Kind = Literal["number", "string", "temporal", "name", "symbol", "end"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # the decoded value for strings, the word for names, the symbol itself
    position: int  # 0-based offset in the expression text


_SPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.DOTALL)
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*|[?$]\w*", re.UNICODE)
_SYMBOLS = ("**", "..", "!=", "<=", ">=", "+", "-", "*", "/", "=", "<", ">", "(", ")", "[", "]",
            "{", "}", ",", ".", ":")  # fmt: skip
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b",
            "f": "\f", "/": "/"}  # fmt: skip


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    size = len(text)
    while True:
        space = _SPACE.match(text, at)
        if space:
            at = space.end()
        if at >= size:
            tokens.append(Token("end", "", size))
            return tokens
        char = text[at]
        if char == '"':
            value, end = _string(text, at)
            tokens.append(Token("string", value, at))
            at = end
        elif char == "@" and text.startswith('"', at + 1):
            value, end = _string(text, at + 1)
            tokens.append(Token("temporal", value, at))
            at = end
        elif char == "`":
            end = text.find("`", at + 1)
            if end < 0:
                raise SyntaxProblem("a `quoted name` is not closed", at)
            tokens.append(Token("name", text[at + 1 : end], at))
            at = end + 1
        elif (match := _NUMBER.match(text, at)) is not None:
            tokens.append(Token("number", match.group(), at))
            at = match.end()
        elif (match := _NAME.match(text, at)) is not None:
            tokens.append(Token("name", match.group(), at))
            at = match.end()
        else:
            for symbol in _SYMBOLS:
                if text.startswith(symbol, at):
                    tokens.append(Token("symbol", symbol, at))
                    at += len(symbol)
                    break
            else:
                raise SyntaxProblem(f"unexpected character {char!r}", at)


def _string(text: str, start: int) -> tuple[str, int]:
    """Decode the string literal whose opening quote is at ``start``; return it and its end."""
    parts: list[str] = []
    at = start + 1
    size = len(text)
    while at < size:
        char = text[at]
        if char == '"':
            return "".join(parts), at + 1
        if char == "\\":
            code = text[at + 1 : at + 2]
            if code in _ESCAPES:
                parts.append(_ESCAPES[code])
                at += 2
                continue
            if code == "u":
                digits = text[at + 2 : at + 6]
                if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                    parts.append(chr(int(digits, 16)))
                    at += 6
                    continue
            raise SyntaxProblem(f"unknown escape \\{code} in a string", at)
        parts.append(char)
        at += 1
    raise SyntaxProblem("a string is not closed (missing '\"')", start)
