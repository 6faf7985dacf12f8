"""String functions: substring, string length, upper/lower case, substring before/after,
replace, contains, starts/ends with, matches, split, string join, trim, extract, is blank."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .signature import Builtin
from .values import number_or_none

_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: str) -> re.Pattern[str] | None:
    value = 0
    for flag in flags:
        if flag not in _FLAGS:
            return None
        value |= _FLAGS[flag]
    try:
        return re.compile(pattern, value)
    except re.error:
        return None


def _strings(*values: Any) -> bool:
    return all(isinstance(value, str) for value in values)


def _substring(string: Any, start: Any, length: Any = None) -> str | None:
    begin = number_or_none(start)
    if not isinstance(string, str) or begin is None or begin != int(begin) or begin == 0:
        return None
    index = int(begin) - 1 if begin > 0 else len(string) + int(begin)
    index = max(index, 0)
    if length is None:
        return string[index:]
    size = number_or_none(length)
    if size is None or size < 0 or size != int(size):
        return None
    return string[index : index + int(size)]


def _length(string: Any) -> int | None:
    return len(string) if isinstance(string, str) else None


def _upper(string: Any) -> str | None:
    return string.upper() if isinstance(string, str) else None


def _lower(string: Any) -> str | None:
    return string.lower() if isinstance(string, str) else None


def _before(string: Any, match: Any) -> str | None:
    if not _strings(string, match):
        return None
    index = string.find(match)
    return "" if index < 0 else string[:index]


def _after(string: Any, match: Any) -> str | None:
    if not _strings(string, match):
        return None
    index = string.find(match)
    return "" if index < 0 else string[index + len(match) :]


_GROUP_REFERENCE = re.compile(r"\$(\d+)|\\(.)")


def _replacement(text: str) -> str:
    """XPath replacement text ($1 for a group, \\$ for a dollar) as Python's."""
    return _GROUP_REFERENCE.sub(
        lambda m: f"\\g<{m.group(1)}>" if m.group(1) else m.group(2).replace("\\", "\\\\"), text
    )


def _replace(input: Any, pattern: Any, replacement: Any, flags: Any = "") -> str | None:
    if not _strings(input, pattern, replacement, flags):
        return None
    regex = _regex(pattern, flags)
    if regex is None:
        return None
    return regex.sub(_replacement(replacement), input)


def _contains(string: Any, match: Any) -> bool | None:
    return match in string if _strings(string, match) else None


def _starts(string: Any, match: Any) -> bool | None:
    return string.startswith(match) if _strings(string, match) else None


def _ends(string: Any, match: Any) -> bool | None:
    return string.endswith(match) if _strings(string, match) else None


def _matches(input: Any, pattern: Any, flags: Any = "") -> bool | None:
    if not _strings(input, pattern, flags):
        return None
    regex = _regex(pattern, flags)
    return None if regex is None else regex.search(input) is not None


def _split(string: Any, delimiter: Any) -> list[str] | None:
    if not _strings(string, delimiter):
        return None
    regex = _regex(delimiter, "")
    return None if regex is None or not delimiter else regex.split(string)


def _join(items: Any, delimiter: Any = "", prefix: Any = "", suffix: Any = "") -> str | None:
    if not isinstance(items, list):
        return None
    delimiter, prefix, suffix = (
        "" if part is None else part for part in (delimiter, prefix, suffix)
    )
    texts = [item for item in items if item is not None]
    if not _strings(*texts, delimiter, prefix, suffix):
        return None
    return str(prefix + delimiter.join(texts) + suffix)


def _trim(string: Any) -> str | None:
    return string.strip() if isinstance(string, str) else None


def _extract(string: Any, pattern: Any) -> list[str] | None:
    if not _strings(string, pattern):
        return None
    regex = _regex(pattern, "")
    return None if regex is None else [m.group(0) for m in regex.finditer(string)]


def _blank(string: Any) -> bool | None:
    return not string.strip() if isinstance(string, str) else None


FUNCTIONS = [
    Builtin("substring", ("string", "start position", "length?"), _substring),
    Builtin("string length", ("string",), _length),
    Builtin("upper case", ("string",), _upper),
    Builtin("lower case", ("string",), _lower),
    Builtin("substring before", ("string", "match"), _before),
    Builtin("substring after", ("string", "match"), _after),
    Builtin("replace", ("input", "pattern", "replacement", "flags?"), _replace),
    Builtin("contains", ("string", "match"), _contains),
    Builtin("starts with", ("string", "match"), _starts),
    Builtin("ends with", ("string", "match"), _ends),
    Builtin("matches", ("input", "pattern", "flags?"), _matches),
    Builtin("split", ("string", "delimiter"), _split),
    Builtin("string join", ("list", "delimiter?", "prefix?", "suffix?"), _join),
    Builtin("trim", ("string",), _trim),
    Builtin("extract", ("string", "pattern"), _extract),
    Builtin("is blank", ("string",), _blank),
]
