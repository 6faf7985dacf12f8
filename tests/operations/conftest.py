from __future__ import annotations

from typing import Any

import pytest

from scripted_server import ScriptedServer


@pytest.fixture
def openai(server: ScriptedServer) -> dict[str, Any]:
    """Connector settings for an OpenAI connection to the scripted server."""
    return {"provider": "openai", "base_url": server.url + "/v1", "api_key": "sk-test1234"}
