"""The package's layers, read from the source with ``ast``: no import cycles, transport moves
bytes only, operations do not reach into transport.

An import inside ``if TYPE_CHECKING:`` is not an edge (it never runs). An import inside a
function is an edge: it runs when the function does, and a cycle through it is a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "openai_connector"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((SRC / PACKAGE).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that runs, skipping ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the package modules it imports when it runs."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _runtime_imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(name, path, node)
                # ``from . import registry`` imports the module registry; ``from .x import y``
                # imports x (importing a module's parent package is not counted)
                submodules = [f"{base}.{alias.name}" for alias in node.names]
                targets = [t for t in submodules if t in modules] or [base]
            for imported in targets:
                target = imported
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target.startswith(PACKAGE) and target != name:
                    edges[name].add(target)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


EDGES = _edges(_modules())


def _imports_of(prefix: str) -> dict[str, set[str]]:
    return {
        name: targets
        for name, targets in EDGES.items()
        if name == prefix or name.startswith(prefix + ".")
    }


def test_the_reader_sees_the_imports_it_must() -> None:
    # the checks below mean something only if the reader finds real edges
    assert "openai_connector.operations.base" in EDGES["openai_connector.core"]
    assert "openai_connector.operations.registry" in EDGES["openai_connector.core"]
    assert "openai_connector.providers.base" in EDGES["openai_connector.operations.base"]
    # a TYPE_CHECKING import is not an edge
    assert "openai_connector.streaming" not in EDGES["openai_connector.operations.base"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    # connector <-> result_streams and core -> operations.base -> streaming -> core are
    # type-only (TYPE_CHECKING) in one direction: not cycles when the code runs
    assert _cycles(EDGES) == []


@pytest.mark.parametrize(
    "forbidden",
    [
        "openai_connector.operations",
        "openai_connector.providers",
        "openai_connector.secrets",
        "openai_connector.redaction",
        "openai_connector.core",
    ],
)
def test_transport_moves_bytes_only(forbidden: str) -> None:
    reaching = {
        name: sorted(t for t in targets if t == forbidden or t.startswith(forbidden + "."))
        for name, targets in _imports_of("openai_connector.transport").items()
    }
    assert {name: found for name, found in reaching.items() if found} == {}


def test_operations_do_not_import_transport() -> None:
    reaching = {
        name: sorted(t for t in targets if t.startswith("openai_connector.transport"))
        for name, targets in _imports_of("openai_connector.operations").items()
    }
    assert {name: found for name, found in reaching.items() if found} == {}


def test_providers_do_not_import_operations_or_transport() -> None:
    reaching = {
        name: sorted(
            t
            for t in targets
            if t.startswith(("openai_connector.operations", "openai_connector.transport"))
        )
        for name, targets in _imports_of("openai_connector.providers").items()
    }
    assert {name: found for name, found in reaching.items() if found} == {}
