"""The registry: its id -> module index matches the modules, and one run imports only its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openai_connector.errors import UnknownOperation
from openai_connector.operations import registry
from scripted_server import Reply, ScriptedServer, chat_body

HEAVY = (
    "aiohttp",
    "jmespath",
    "yaml",
    "httpx",
    "openai",
    "litellm",
    "openai_connector.catalogue.example",
    "openai_connector.catalogue",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "SpiffWorkflow",
    "subprocess",
)
"""Packages a sync ``chat --text`` does not use (aiohttp is the async face's; subprocess
only a token command's)."""
CLI_UNUSED = (
    "openai_connector.cli.options",
    "openai_connector.cli.keys",
    "openai_connector.cli.database",
    "openai_connector.cli.process",
    "openai_connector.cli.serve",
    "openai_connector.cli.templates",
    "openai_connector.cli.usage",
    "openai_connector.cli.worker",
    "openai_connector.operations.uploads",
)
"""Modules of the command line a plain ``chat`` does not need: the other commands' modules
(imported when their command runs or is listed), the options generated from input models,
and the file reading of uploads and local images."""
REGISTRY = "openai_connector.operations.registry"


def test_index_names_the_module_that_declares_each_operation() -> None:
    declared = {
        operation.id: name
        for name in registry.area_modules()
        for operation in registry.declared_in(name)
    }
    missing = sorted(set(declared) - set(registry.MODULE_OF))
    stale = sorted(set(registry.MODULE_OF) - set(declared))
    assert not missing, f"add to registry.MODULE_OF: {missing}"
    assert not stale, f"remove from registry.MODULE_OF: {stale}"
    assert declared == registry.MODULE_OF


def test_get_returns_the_same_operation_as_the_full_list() -> None:
    every = registry.operations()
    for operation_id in registry.MODULE_OF:
        assert registry.get(operation_id) is every[operation_id]


def test_unknown_operation_suggests_close_ids() -> None:
    with pytest.raises(UnknownOperation) as caught:
        registry.get("chat.creat")
    assert "chat.create" in str(caught.value.hint)


def _loaded_after(code: str, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Run code in a fresh interpreter; the operation modules and heavy packages it loaded."""
    report = (
        "import sys, json; print(json.dumps({"
        "'operations': sorted(m for m in sys.modules if m.startswith("
        "'openai_connector.operations.')), "
        f"'heavy': sorted(h for h in {HEAVY!r} if h in sys.modules), "
        f"'cli': sorted(h for h in {CLI_UNUSED!r} if h in sys.modules)}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    loaded: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_get_imports_only_the_declaring_module() -> None:
    own = _loaded_after("import openai_connector.operations.chat")["operations"]
    loaded = _loaded_after(
        "from openai_connector.operations import registry\nregistry.get('chat.create')"
    )
    assert sorted({*loaded["operations"]} - {REGISTRY}) == own
    assert "openai_connector.operations.images" not in loaded["operations"]


def test_a_chat_from_the_command_line_imports_only_what_it_uses(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.default = Reply(json=chat_body("Bonjour"))
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    env = {**keep, "OPENAI_CONNECTOR_CONFIG": str(tmp_path / "none.toml")}
    argv = [
        "openai-connector",
        *("--provider", "compatible", "--base-url", server.url + "/v1"),
        *("--api-key", "sk-t1234", "--text", "chat", "-p", "hi", "-m", "m"),
    ]
    code = (
        "import sys\n"
        f"sys.argv = {argv!r}\n"
        "from openai_connector.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
    )
    own = _loaded_after("import openai_connector.operations.chat")["operations"]
    loaded = _loaded_after(code, env)
    assert len(server.requests) == 1
    extra = sorted(set(loaded["operations"]) - {*own, REGISTRY})
    assert extra == [], f"a chat imported other operation modules: {extra}"
    assert loaded["heavy"] == []
    assert loaded["cli"] == []
