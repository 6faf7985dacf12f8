"""The generated docs (docs/operations.md, docs/cli.md, the README table) match the code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gen_docs.py"
FIX = "run python scripts/gen_docs.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated() -> dict[Path, str]:
    return load_generator().expected()


@pytest.mark.parametrize("name", ["docs/operations.md", "docs/cli.md", "README.md"])
def test_generated_file_is_current(generated: dict[Path, str], name: str) -> None:
    path = SCRIPT.parent.parent / name
    if path not in generated:
        pytest.skip(f"{name} has no generated part (no operations markers)")
    assert path.is_file(), f"{name} is missing: {FIX}"
    assert path.read_text(encoding="utf-8") == generated[path], f"{name} is stale: {FIX}"


def test_every_operation_is_in_the_table() -> None:
    from openai_connector.operations.registry import operations

    table = load_generator().operations_table()
    for operation_id in operations():
        assert f"| `{operation_id}` |" in table


def test_readme_markers_are_filled() -> None:
    generator = load_generator()
    text = f"intro\n{generator.START}\nold\n{generator.END}\noutro\n"
    filled = generator.readme_with_table(text)
    assert filled is not None
    assert filled.startswith("intro\n<!-- operations:start -->\n| id | method |")
    assert filled.endswith("<!-- operations:end -->\noutro\n")
    assert "old" not in filled
    assert generator.readme_with_table("no markers") is None
