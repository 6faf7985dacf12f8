"""Contract-test fixtures: the official specs served by Stoplight Prism, once per session.

Fixtures other contract tests use:

- ``openai_prism``: Connector keyword arguments for the OpenAI spec's mock server:
  ``{"provider": "openai", "base_url": "http://127.0.0.1:PORT", "api_key": "sk-contract-test"}``
- ``azure_prism``: the same for the Azure OpenAI 2024-10-21 spec:
  ``{"provider": "azure", "endpoint": "http://127.0.0.1:PORT", "api_key": "<32 hex>"}``
- ``openai_prism_server`` / ``azure_prism_server``: the :class:`PrismServer` behind them
  (``.url``, ``.requests_received()``, ``.output()``).

Checks live in ``spec_checks`` (``assert_valid``, ``run_valid``, ``stream_valid``, ...).
Every test in this directory gets the ``contract`` marker. A missing shared directory, spec,
tool or Prism binary fails the tests with a message saying what to do; nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prism_mock import (
    AZURE_KEY,
    OPENAI_KEY,
    ContractSetupError,
    PrismServer,
    prism_binary,
    shared_file,
)
from spec_variants import azure_variant, openai_variant, write_variant

OPENAI_SPEC = "specs/openai-openapi.json"
AZURE_SPEC = "specs/azure-openai-inference-2024-10-21.yaml"
READY_TOOL = "tools/prism-ready-spec.py"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.contract)


def _serve(
    tmp: pytest.TempPathFactory, name: str, spec: str, rewrite: Callable[[dict[str, Any]], None]
) -> PrismServer:
    try:
        binary = prism_binary()
        tool, source = shared_file(READY_TOOL), shared_file(spec)
        folder = tmp.mktemp(f"prism-{name}")
        variant = write_variant(tool, source, folder / f"{name}-prism.json", rewrite)
        return PrismServer(binary, variant, folder / "prism.log").start()
    except (ContractSetupError, RuntimeError) as exc:
        problem = str(exc)
    pytest.fail(f"contract tests cannot run: {problem}", pytrace=False)


@pytest.fixture(scope="session")
def openai_prism_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismServer]:
    server = _serve(tmp_path_factory, "openai", OPENAI_SPEC, openai_variant)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def azure_prism_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismServer]:
    server = _serve(tmp_path_factory, "azure", AZURE_SPEC, azure_variant)
    yield server
    server.stop()


@pytest.fixture
def openai_prism(openai_prism_server: PrismServer) -> dict[str, Any]:
    return {"provider": "openai", "base_url": openai_prism_server.url, "api_key": OPENAI_KEY}


@pytest.fixture
def azure_prism(azure_prism_server: PrismServer) -> dict[str, Any]:
    return {"provider": "azure", "endpoint": azure_prism_server.url, "api_key": AZURE_KEY}
