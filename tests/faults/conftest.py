from __future__ import annotations

from typing import Any

import pytest

from scripted_server import ScriptedServer


@pytest.fixture
def conn(server: ScriptedServer) -> dict[str, Any]:
    """Connection fields for the scripted server."""
    return {"provider": "compatible", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
