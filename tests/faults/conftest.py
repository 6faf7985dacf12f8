from __future__ import annotations

from typing import Any

import pytest

from faces import Face
from scripted_server import ScriptedServer


@pytest.fixture(params=["sync", "async"])
def face(request: pytest.FixtureRequest) -> Face:
    """The sync and the async connector, one per test run."""
    return Face(request.param)


@pytest.fixture
def conn(server: ScriptedServer) -> dict[str, Any]:
    """Connection fields for the scripted server."""
    return {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
