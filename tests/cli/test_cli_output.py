"""Rendering: JSON for any result, tables, and streamed text that never shows a secret."""

from __future__ import annotations

import json

import pytest

from openai_connector.cli.output import Output, dumps, table
from openai_connector.secrets import Redactor

SECRET = "sk-abcdef123456"


def test_dumps_handles_bytes_and_paths(tmp_path) -> None:
    data = json.loads(dumps({"body": b"\x00\x01", "path": tmp_path}))
    assert data == {"body": {"bytes": 2, "base64": "AAE="}, "path": str(tmp_path)}


def test_table_pads_columns_and_marks_missing_cells() -> None:
    assert table(("A", "BB", "C"), [("x", None, "last"), ("long", "y", "z")]).splitlines() == [
        "A     BB  C",
        "x     —   last",
        "long  y   z",
    ]


def test_pending_is_the_tail_that_may_start_a_secret() -> None:
    redactor = Redactor([SECRET])
    assert redactor.pending("the key: sk-abc") == len("sk-abc")
    assert redactor.pending("the key: s") == 1
    assert redactor.pending("the key") == 0
    assert redactor.pending(SECRET) == 0  # whole: the redactor masks it
    assert Redactor().pending("anything") == 0


@pytest.mark.parametrize("cut", range(1, len(SECRET)))
def test_streamed_secret_is_masked_wherever_it_is_cut(capsys, cut: int) -> None:
    shown = Output(Redactor([SECRET])).stream()
    for piece in ("key ", SECRET[:cut], SECRET[cut:], " end"):
        shown.write(piece)
    shown.close()
    assert capsys.readouterr().out == "key *** end\n"


def test_streamed_text_without_secrets_is_shown_at_once(capsys) -> None:
    shown = Output(Redactor([SECRET])).stream()
    shown.write("Hello")
    assert capsys.readouterr().out == "Hello"
    shown.write(" s")
    assert capsys.readouterr().out == " "
    shown.write("un")
    assert capsys.readouterr().out == "sun"
    shown.close()
    assert capsys.readouterr().out == "\n"
