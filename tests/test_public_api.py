"""The package's public names, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import openai_connector


def test_all_lists_every_export_and_each_resolves() -> None:
    assert sorted(openai_connector.__all__) == openai_connector.__all__
    for name in openai_connector.__all__:
        assert getattr(openai_connector, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        openai_connector.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, openai_connector; "
        "print(sorted(m for m in ('pydantic', 'aiohttp', 'urllib3', 'jmespath', 'click') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
