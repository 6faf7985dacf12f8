from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from click.testing import CliRunner, Result

from openai_connector.cli.main import cli
from scripted_server import ScriptedServer

Invoke = Callable[..., Result]


def connection_args(server: ScriptedServer, api_key: str = "sk-test1234") -> list[str]:
    return ["--provider", "compatible", "--base-url", server.url + "/v1", "--api-key", api_key]


@pytest.fixture
def invoke(server: ScriptedServer) -> Invoke:
    """Run the command line in-process against the scripted server.

    ``invoke(*args, env=..., stdin=..., connect=False)``: global options before the
    command go in ``args`` as usual; the connection flags are put first unless connect=False.
    """

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        connect: bool = True,
    ) -> Result:
        argv = [*connection_args(server), *args] if connect else list(args)
        return CliRunner(env=dict(env or {})).invoke(cli, argv, input=stdin)

    return run
