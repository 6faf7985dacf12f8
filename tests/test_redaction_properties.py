"""Property: redaction never corrupts JSON. For any body and any secret, the redacted output
parses, its numbers, booleans and nulls are the ones sent, and no string holds the secret."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from openai_connector.cli.output import dumps
from openai_connector.redaction import Redactor

TEXT = st.text(st.characters(blacklist_characters="*", blacklist_categories=("Cs",)), max_size=12)
SECRETS = st.one_of(
    st.from_regex(r"[0-9.eE+\-]{4,8}", fullmatch=True),  # looks like (part of) a number
    st.sampled_from(["true", "null", "false", "1234", "0.5e1", '"a\\b', "</&>"]),
    TEXT.map(str.strip).filter(lambda s: len(s) >= 4 and s.isprintable()),
)


def _with(secret: str) -> st.SearchStrategy[str]:
    """Strings that often hold the secret (whole, or next to other text)."""
    return st.one_of(TEXT, st.builds(lambda a, b: a + secret + b, TEXT, TEXT))


def bodies(secret: str) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        _with(secret),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(_with(secret), inner, max_size=4)
        ),
        max_leaves=20,
    )


CASES = SECRETS.flatmap(lambda secret: st.tuples(st.just(secret), bodies(secret)))


def leaves(value: Any) -> list[Any]:
    """The non-string values, in order."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v)]
    return [] if isinstance(value, str) else [value]


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def check(secret: str, sent: Any, shown: Any) -> None:
    assert leaves(shown) == leaves(sent)
    assert type(shown) is type(sent)
    assert not any(secret in s for s in strings(shown))


@settings(max_examples=100, deadline=None)
@given(CASES)
def test_deep_redaction_keeps_every_non_string_value(case: tuple[str, Any]) -> None:
    secret, body = case
    redactor = Redactor([secret])
    check(secret, body, redactor.deep(json.loads(json.dumps(body))))


@settings(max_examples=100, deadline=None)
@given(CASES, st.booleans())
def test_redacted_json_text_parses_with_the_same_numbers(
    case: tuple[str, Any], ascii_only: bool
) -> None:
    secret, body = case
    redactor = Redactor([secret])
    text = json.dumps(body, ensure_ascii=ascii_only)
    check(secret, body, json.loads(redactor.json_text(text)))
    check(secret, body, json.loads(redactor.preview(text.encode(), len(text) * 8 + 100)))


@settings(max_examples=100, deadline=None)
@given(CASES)
def test_cli_json_output_parses_with_the_same_numbers(case: tuple[str, Any]) -> None:
    secret, body = case
    check(secret, body, json.loads(dumps({"body": body}, Redactor([secret])))["body"])


@settings(max_examples=150, deadline=None)
@given(SECRETS.flatmap(lambda s: st.tuples(st.just(s), st.lists(_with(s), max_size=4))), st.data())
def test_streamed_text_shows_what_the_whole_text_shows(
    case: tuple[str, list[str]], data: st.DataObject
) -> None:
    """However a text is cut into pieces, what is shown piece by piece is the redacted whole,
    and no piece shown holds the secret."""
    secret, parts = case
    whole = "".join(parts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(whole)), max_size=6)))
    pieces = [whole[a:b] for a, b in zip([0, *cuts], [*cuts, len(whole)], strict=True)]
    redactor = Redactor([secret])
    shown, held = [], ""
    for piece in pieces:
        ready, held = redactor.split_pending(held + piece)
        assert secret not in ready
        shown.append(ready)
    assert "".join(shown) + held == redactor(whole)
